"""`fic mail`: the emails and SMS fic wrote to files. It reads only the settings and the
mail folder, so it builds no app (a quick command)."""

from __future__ import annotations

import click

from fic.delivery import files
from fic.settings import Settings


@click.command("mail")
@click.option("--show", "show", type=int, help="Print the text of message N of the list.")
def mail(show: int | None) -> None:
    """The emails and SMS fic wrote to files (embedded mode without a mail server)."""
    settings = Settings()
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


COMMANDS = (mail,)
