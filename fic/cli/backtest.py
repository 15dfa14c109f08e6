"""`fic backtest FILE.csv`: how many alerts a policy would have raised on past forms."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from fic.cli.policy import show
from fic.domain.policy import Policy
from fic.domain.policy_file import parse_policy
from fic.errors import PolicyError
from fic.instruments import load
from fic.services.alerts.backtest import BacktestError, BacktestResult, parse_csv, run_backtest
from fic.services.alerts.calibration import calibrate_courses


@click.command("backtest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--policy", "policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A clinic policy file (JSON); the default policy when left out.",
)  # fmt: skip
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table",
    show_default=True, help="A readable table, or one JSON object.",
)  # fmt: skip
@click.option("--calibrate", is_flag=True,
              help="Fit the pooled noise and rupture threshold to FILE's clients first.")
@click.option("--target", type=click.FloatRange(0.005, 0.5), default=0.08, show_default=True,
              help="With --calibrate: share of no-change courses allowed a rupture.")
@click.option("--write", "write_to", type=click.Path(dir_okay=False, path_type=Path),
              help="With --calibrate: write the calibrated policy file here.")  # fmt: skip
def backtest(
    file: Path, policy_file: Path | None, output: str, calibrate: bool, target: float,
    write_to: Path | None,
) -> None:
    """Run FILE (one row per past alliance form) through the rupture rules.

    Prints each alert (with its reason), each episode with its state, and a summary.
    Bad rows are reported with their line numbers and nothing is run. With --calibrate
    the policy is first fitted to FILE's own clients and shown (--write saves it).
    """
    policy = _policy(policy_file)
    alliance, wellbeing = load("alliance"), load("wellbeing")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file.name} is not UTF-8 text") from None
    try:
        visits = parse_csv(text, alliance, wellbeing)
    except BacktestError as bad:
        for problem in bad.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        raise click.ClickException(f"{len(bad.problems)} problem(s) in {file.name}") from None
    fitted: dict[str, object] | None = None
    if calibrate:
        base = {} if policy_file is None else json.loads(policy_file.read_text("utf-8"))
        found, data = calibrate_courses(list(visits.values()), base, file.name, target)
        policy = found.policy
        fitted = {"clients": found.clients, "forms": found.forms, "target": found.target,
                  "false_course_rate": round(found.false_course_rate, 4), "policy": data}
        if write_to is not None:
            write_to.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        if output != "json":
            show(found, data)
    result = run_backtest(visits, alliance, wellbeing, policy)
    if output == "json":
        body = _as_json(result) | ({} if fitted is None else {"calibration": fitted})
        click.echo(json.dumps(body, indent=2))
    else:
        _table(result)


def _policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        return parse_policy(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as bad:
        raise click.ClickException(f"{path.name}: not valid JSON (line {bad.lineno})") from None
    except PolicyError as bad:
        raise click.ClickException(f"{path.name}: {bad}") from None


def _as_json(result: BacktestResult) -> dict[str, object]:
    return {
        "alerts": [asdict(alert) for alert in result.alerts],
        "episodes": [{**asdict(e), "rules": list(e.rules)} for e in result.episodes],
        "summary": asdict(result.summary),
    }


def _table(result: BacktestResult) -> None:
    click.echo("Alerts")
    click.echo(f"  {'client_ref':<20} {'session':>7}  {'rule':<5} level")
    for alert in result.alerts:
        click.echo(
            f"  {alert.client_ref:<20} {alert.session_number:>7}  {alert.rule:<5} {alert.level}"
        )
        if alert.reason:
            click.echo(f"      {alert.reason}")
    if not result.alerts:
        click.echo("  (none)")
    click.echo("Episodes")
    click.echo(f"  {'client_ref':<20} {'episode':>7}  {'state':<10} {'opened':>6} {'closed':>6}"
               "  rules")  # fmt: skip
    for e in result.episodes:
        closed = "-" if e.closed_at is None else str(e.closed_at)
        click.echo(
            f"  {e.client_ref:<20} {e.number:>7}  {e.state:<10} {e.opened_at:>6} {closed:>6}"
            f"  {', '.join(e.rules)}"
        )
    if not result.episodes:
        click.echo("  (none)")
    s = result.summary
    repaired = "-" if s.repaired_share is None else f"{s.repaired_share:.0%}"
    click.echo("Summary")
    click.echo(f"  clients {s.clients}, sessions {s.sessions}, episodes flagged "
               f"{s.episodes_flagged}, alerts per 100 sessions {s.alerts_per_100_sessions:g}, "
               f"repaired share {repaired}")  # fmt: skip


COMMANDS = (backtest,)
