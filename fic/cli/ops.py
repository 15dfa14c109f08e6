"""`fic backup`, `fic restore` and `fic retention`: an operator's commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fic import clock
from fic.errors import FicError
from fic.extensions import services
from fic.ops import backup as backups
from fic.ops import retention as keep


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="a new or empty folder")
@click.option("--include-keys", is_flag=True,
              help="also write FIC_SECRET_KEY and FIC_DATA_KEYS into the folder (dangerous)")
@with_appcontext
def backup(out: Path, include_keys: bool) -> None:
    """A consistent copy of the database and instance files, without the keys."""
    svc = services()
    try:
        manifest = backups.backup(svc.db, svc.settings, svc.keys, out, include_keys)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(manifest["tables"].values())
    click.echo(f"backup written to {out}: {manifest['database']} dump, {rows} rows in "
               f"{len(manifest['tables'])} tables, schema {','.join(manifest['schema_revision'])}")
    click.echo(f"it needs the key ring with key ids {', '.join(manifest['key_ids_in_use'])} "
               "to read comments, contacts and reports")
    if include_keys:
        click.echo("WARNING: this backup holds the keys (keys.json). Anyone who has it can read "
                   "every client's comments. Keep it apart from key-less backups, encrypted, "
                   "and delete it when it is no longer needed.", err=True)


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="overwrite a database that already holds data")
@with_appcontext
def restore(source: Path, replace: bool) -> None:
    """Restore a `fic backup` folder into this install (its database must be empty)."""
    svc = services()
    if replace:
        click.confirm("This replaces everything in this install's database. Go on?", abort=True)
    try:
        done = backups.restore(svc.db, svc.settings, svc.keys, source, replace)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(done.tables.values())} rows; schema {','.join(done.revision)}")
    if done.missing_key_ids:
        click.echo(f"WARNING: FIC_DATA_KEYS lacks key id(s) {', '.join(done.missing_key_ids)}: "
                   "comments, contacts and reports sealed under them stay unreadable until "
                   "those keys are in the ring.", err=True)
    click.echo("next: fic audit verify")




@click.group("retention", invoke_without_command=True)
@click.option("--apply", "do_apply", is_flag=True, help="delete now (default: a dry run)")
@click.pass_context
@with_appcontext
def retention(context: click.Context, do_apply: bool) -> None:
    """Show (or with --apply, delete) the health data and audit rows past their period."""
    if context.invoked_subcommand is not None:
        return
    svc = services()
    run = keep.apply if do_apply else keep.plan
    outcomes, audit_rows = run(svc.db, clock.now())
    verb = "deleted" if do_apply else "would go"
    for outcome in outcomes:
        click.echo(f"{verb}: {outcome.summary()}")
    click.echo(f"{verb}: {audit_rows} audit row(s) past the longest audit period")
    if not do_apply:
        click.echo("dry run: nothing was changed; run `fic retention --apply` to delete")


@retention.command("set")
@click.argument("clinic_name")
@click.option("--data-days", type=int, required=True,
              help="a client's record goes this long after their last session")
@click.option("--comment-days", type=int, help="comments go this long after the session "
              "(default: --data-days)")
@click.option("--audit-days", type=int, required=True, help="audit rows (>= --data-days)")
@with_appcontext
def retention_set(clinic_name: str, data_days: int, comment_days: int | None,
                  audit_days: int) -> None:
    """Set a clinic's retention periods."""
    periods = keep.Periods(data_days, comment_days or data_days, audit_days)
    try:
        keep.set_periods_named(services().db, clinic_name, periods)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{clinic_name}: records {periods.data_days} days after the last session, "
               f"comments {periods.comment_days} days, audit {periods.audit_days} days")


COMMANDS = (backup, restore, retention)
