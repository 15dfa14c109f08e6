"""The `fic` command: set a clinic up, send and acknowledge, build reports, run the demo.

Every command runs inside the app built from FIC_* settings (FlaskGroup). Each module of
this package lists its top-level commands and groups in COMMANDS; the table below says which
module holds which command, so `fic --help` lists them without importing any (they load
SQLAlchemy, Celery and the services) and `fic NAME` imports only NAME's module.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

# name -> (module of fic.cli, its one-line help); tests/e2e/test_cli.py checks it.
COMMANDS = {
    "init": ("clinic", "Create or upgrade the database schema."),
    "clinic": ("clinic", "Clinics."),
    "apikey": ("clinic", "API keys for a clinic's own systems."),
    "staff": ("staff", "Staff members and their report passphrases."),
    "audit": ("staff", "The hash-chained audit trail."),
    "alert": ("delivery", "Alerts: acknowledge and record the repair."),
    "delivery": ("delivery", "A clinic's delivery settings: links, reminders, quiet hours, "
                             "routing, crisis text."),
    "webhook": ("delivery", "Signed webhooks for a clinic's EHR or chat tool."),
    "inbound": ("clients", 'The signed "session ended" webhook an EHR pushes to.'),
    "export": ("export", "Export a clinic's answered forms (every export is audited)."),
    "import": ("export", "Import forms answered elsewhere."),
    "deliveries": ("delivery", "The delivery log: each message, its state and every attempt "
                               "(no contents)."),
    "report": ("reports", "Build (or fetch, if built already) one AES-256 encrypted report "
                          "and write it to OUT."),
    "reports": ("reports", "Reports in bulk."),
    "policy": ("policy", "The clinic's alert policy."),
    "keys": ("keys", "The key ring (FIC_DATA_KEYS)."),
    "client": ("keys", "Clients."),
    "backtest": ("backtest", "Run FILE (one row per past alliance form) through the rupture "
                             "rules."),
    "demo": ("demo", "Create a demo clinic with realistic histories, print a working link, "
                     "serve the app."),
    "run": ("embedded", "Run a local development server."),
    "mail": ("mail", "The emails and SMS fic wrote to files (embedded mode without a mail "
                         "server)."),
    "backup": ("ops", "A consistent copy of the database and instance files, without the keys."),
    "restore": ("ops", "Restore a `fic backup` folder into this install (its database must be "
                       "empty)."),
    "retention": ("ops", "Show (or with --apply, delete) the health data and audit rows past "
                         "their period."),
}
# group -> modules of fic.cli that add subcommands to it (loaded with the group)
EXTENDED = {"client": ("clients",), "webhook": ("clients",)}


def _app(*_args: object) -> Flask:
    from fic import create_app

    return create_app()


class _Group(FlaskGroup):
    """Flask's group with fic's commands loaded on first use; listing them builds no app
    (fic registers none on `app.cli`)."""

    def _load_plugin_commands(self) -> None:
        """No `flask.commands` plugins: the one installed (Flask-Limiter's `limiter`, a
        developer's tool) imports rich and limits' async storage, a third of a second on
        every `fic` call."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted({*click.Group.list_commands(self, ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module = importlib.import_module(f"fic.cli.{COMMANDS[name][0]}")
            for extension in EXTENDED.get(name, ()):
                importlib.import_module(f"fic.cli.{extension}")
            for command in module.COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMANDS:
                rows.append((name, click.Command(name, help=COMMANDS[name][1])
                             .get_short_help_str(limit)))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


cli = _Group(
    create_app=_app,
    add_version_option=False,
    help="fic: feedback-informed care for therapy clinics.",
)


def main() -> None:
    cli(prog_name="fic")
