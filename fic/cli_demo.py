"""`fic demo`: a working clinic on embedded defaults, served on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from fic import jobs
from fic.cli_staff import staff_hint
from fic.extensions import services
from fic.services import demo as demo_service
from fic.storage.models import utcnow


@click.command("demo")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Seed and print, but do not start the server.")
@with_appcontext
def demo(port: int, no_serve: bool) -> None:
    """Create a demo clinic with realistic histories, print a working link, serve the app."""
    svc = services()
    svc.db.upgrade()
    info = demo_service.seed(svc.db, svc.keys, svc.settings, jobs.publish)
    today = utcnow().date()
    click.echo(f"fic demo: {demo_service.CLINIC}  (database: {svc.db.url})")
    click.echo(f"  staff: {', '.join(info.staff)}")
    if info.api_key:
        click.echo(f"  API key (shown once): {info.api_key}")
    if info.passphrase:
        click.echo(
            f"  report passphrase for {demo_service.SUPERVISOR} (shown once): {info.passphrase}"
        )
    click.echo(staff_hint(svc.settings, demo_service.SUPERVISOR))
    click.echo("")
    click.echo("Open this post-session link on your phone or in a browser:")
    click.echo(f"  {info.link}")
    click.echo("")
    click.echo("Supervision summary for the last five weeks:")
    click.echo(
        f"  fic report --supervisor {demo_service.SUPERVISOR} "
        f"--from {today - timedelta(weeks=5)} --to {today} --out summary.pdf"
    )
    click.echo(
        f"Alert emails go to SMTP {svc.settings.smtp_host}:{svc.settings.smtp_port} "
        "(run a mail catcher such as mailpit there to read them)."
    )
    if not no_serve:
        current_app.run(host="127.0.0.1", port=port, debug=False, load_dotenv=False)
