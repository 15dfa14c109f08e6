"""`fic policy calibrate --clinic NAME`: fit the alert policy to a clinic's own clients."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from fic.domain.calibration import Calibration
from fic.errors import FicError
from fic.extensions import services
from fic.services.alerts import calibration
from fic.services.clinic import clinics


@click.group("policy", cls=AppGroup)
def policy_group() -> None:
    """The clinic's alert policy."""


@policy_group.command("calibrate")
@click.option("--clinic", "name", required=True, help="The clinic whose clients to fit.")
@click.option("--target", type=click.FloatRange(0.005, 0.5), default=0.08, show_default=True,
              help="Share of no-change 12-session courses allowed a rupture.")  # fmt: skip
@click.option("--write", is_flag=True, help="Make the calibrated file the clinic's policy.")
def policy_calibrate(name: str, target: float, write: bool) -> None:
    """Fit the pooled noise and rupture threshold to NAME's stored responses.

    Shows the policy file it would use and the false-course rate it expects; --write
    installs it (the clinic's other settings are kept).
    """
    svc = services()
    try:
        with svc.db.session() as session:
            clinic_id = clinics.clinic_named(session, name).id
            courses = calibration.clinic_courses(session, clinic_id)
        base = calibration.current_file(svc.settings, clinic_id)
        result, data = calibration.calibrate_courses(courses, base, f"clinic {name}", target)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    show(result, data)
    if write:
        path = calibration.install(svc.settings, clinic_id, data)
        click.echo(f"{name} now uses the calibrated policy ({path.name})")


def show(result: Calibration, data: dict[str, object]) -> None:
    click.echo(f"Calibration: {result.clients} clients, {result.forms} forms")
    click.echo(f"  expected share of no-change 12-session courses with a rupture: "
               f"{result.false_course_rate:.1%} (target {result.target:.0%})")  # fmt: skip
    click.echo("Policy file:")
    click.echo(json.dumps(data, indent=2))


COMMANDS = (policy_group,)
