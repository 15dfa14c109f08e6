"""`fic demo`: a working clinic on embedded defaults, served on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from fic import clock, embedded, jobs
from fic.delivery.files import mail_folder
from fic.extensions import services
from fic.services import demo as demo_service


@click.command("demo")
@click.option("--port", type=int, help="Default: the port of FIC_BASE_URL (5000).")
@click.option("--no-serve", is_flag=True, help="Seed and print, but do not start the server.")
@with_appcontext
def demo(port: int | None, no_serve: bool) -> None:
    """Create a demo clinic with realistic histories, print a working link, serve the app."""
    svc = services()
    svc.db.upgrade()
    info = demo_service.seed(svc.db, svc.keys, svc.settings, jobs.publish)
    today = clock.now().date()
    click.echo(f"fic demo: {demo_service.CLINIC}  (database: {svc.db.url})")
    click.echo(f"  staff: {', '.join(info.staff)}")
    if info.api_key:
        click.echo(f"  API key (shown once): {info.api_key}")
    if info.passphrase:
        click.echo(
            f"  report passphrase for {demo_service.SUPERVISOR} (shown once): {info.passphrase}"
        )
    click.echo(f"Staff pages: {svc.settings.base_url}/staff/ - each link below works once, "
               "for 7 days, to choose a password")
    click.echo("  (everyone then adds an authenticator app: clinicians too, they read comments):")
    for email, url in info.sign_in_links.items():
        click.echo(f"  {email:<30} {url}")
    click.echo("")
    click.echo("Open this post-session link on your phone or in a browser:")
    click.echo(f"  {info.link}")
    click.echo("")
    click.echo("Supervision summary for the last five weeks:")
    click.echo(
        f"  fic report --supervisor {demo_service.SUPERVISOR} "
        f"--from {today - timedelta(weeks=5)} --to {today} --out summary.pdf"
    )
    if svc.settings.mail_to_files:
        folder = mail_folder(svc.settings.instance_path)
        click.echo(f"Emails and SMS fic sends are written to {folder}"
                   " (no mail server needed): list them with `fic mail`, read one with "
                   "`fic mail --show N`.")
    else:
        click.echo(f"Emails go to SMTP {svc.settings.smtp_host}:{svc.settings.smtp_port}.")
    if not no_serve:
        if svc.settings.embedded:
            embedded.start(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's app
            click.echo("Jobs and the beat schedule (reminders, retries, escalations, reports) "
                       "run in this process.")
        linked = urlsplit(svc.settings.base_url).port or 80
        if port is not None and port != linked:
            click.echo(f"Note: links point at {svc.settings.base_url}; set "
                       f"FIC_BASE_URL=http://127.0.0.1:{port} to serve them from port {port}.")
        # Flask's app.run() refuses to start inside a CLI command; serve with Werkzeug directly.
        run_simple("127.0.0.1", port or linked, current_app._get_current_object(),  # type: ignore[attr-defined]  # werkzeug's proxy
                   threaded=True)


COMMANDS = (demo,)
