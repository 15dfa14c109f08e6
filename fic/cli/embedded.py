"""`fic run` (Flask's, plus embedded mode's background work) and `fic mail` (what was sent)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info, with_appcontext
from flask.cli import run_command as flask_run
from werkzeug.serving import is_running_from_reloader

from fic import embedded
from fic.delivery import files
from fic.extensions import services


@click.command("run", params=list(flask_run.params), help=flask_run.help)
@pass_script_info
@click.pass_context
def run(ctx: click.Context, info: ScriptInfo, **options: object) -> None:
    app = info.load_app()
    reloading = options.get("reload")
    if app.extensions["fic"].settings.embedded and (not reloading or is_running_from_reloader()):
        embedded.start(app)
        click.echo("No broker configured: jobs and the beat schedule run in this process.")
    ctx.invoke(flask_run, **options)


@click.command("mail")
@click.option("--show", "show", type=int, help="Print the text of message N of the list.")
@with_appcontext
def mail(show: int | None) -> None:
    """The emails and SMS fic wrote to files (embedded mode without a mail server)."""
    settings = services().settings
    folder = files.mail_folder(settings.instance_path)
    written = files.listing(folder)
    if show is not None:
        if not 1 <= show <= len(written):
            raise click.ClickException(f"no message {show}; there are {len(written)}")
        click.echo(files.text_of(written[show - 1].path))
        return
    if not settings.mail_to_files:
        click.echo("Mail goes to SMTP here; nothing is written to files.")
    if not written:
        click.echo(f"No messages in {folder} yet.")
    for number, item in enumerate(written, start=1):
        click.echo(f"{number:>3}  {item.at:%Y-%m-%d %H:%M:%S}  {item.to:<32} {item.subject}")
    if written:
        click.echo(f"Files in {folder}; `fic mail --show N` prints one.")


COMMANDS = (run, mail)
