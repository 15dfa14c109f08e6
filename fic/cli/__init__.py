"""The `fic` command: set a clinic up, send and acknowledge, build reports, run the demo.

Every command runs inside the app built from FIC_* settings (FlaskGroup). Each module of
this package lists its top-level commands and groups in COMMANDS; they are added here.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from fic import create_app
from fic.cli import (
    backtest,
    clinic,
    delivery,
    demo,
    embedded,
    keys,
    ops,
    policy,
    reports,
    staff,
)


def _app(*_args: object) -> Flask:
    return create_app()


cli = FlaskGroup(
    create_app=_app,
    add_version_option=False,
    help="fic: feedback-informed care for therapy clinics.",
)


def main() -> None:
    cli(prog_name="fic")


for _module in (clinic, staff, delivery, reports, keys, backtest, policy, demo, embedded, ops):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
