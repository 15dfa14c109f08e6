"""`fic run`: Flask's, plus embedded mode's background work."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info
from flask.cli import run_command as flask_run
from werkzeug.serving import is_running_from_reloader

from fic import embedded


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


COMMANDS = (run,)
