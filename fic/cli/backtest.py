"""`fic backtest FILE.csv`: how many alerts a policy would have raised on past forms."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from fic.domain.policy import Policy
from fic.domain.policy_file import parse_policy
from fic.errors import PolicyError
from fic.instruments import load
from fic.services.alerts.backtest import BacktestError, BacktestResult, parse_csv, run_backtest


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
def backtest(file: Path, policy_file: Path | None, output: str) -> None:
    """Run FILE (one row per past alliance form) through the rupture rules.

    Prints each alert, each episode with its state, and a summary. Bad rows are
    reported with their line numbers and nothing is run.
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
    result = run_backtest(visits, alliance, wellbeing, policy)
    if output == "json":
        click.echo(json.dumps(_as_json(result), indent=2))
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
