"""The backtest: CSV errors by line, the same rules as the worker, and the click command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fic.cli.backtest import backtest
from fic.domain.ruptures import Policy, Visit, assess_course
from fic.instruments import load
from fic.services.alerts.backtest import BacktestError, Problem, parse_csv, run_backtest

ALLIANCE, WELLBEING = load("alliance"), load("wellbeing")
EXAMPLE = Path(__file__).parents[2] / "bench" / "data" / "backtest_example.csv"
HEADER = "client_ref,session_number,session_date,safety,heard,goals,approach,tension,talked_through"


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def problems(text: str) -> list[Problem]:
    with pytest.raises(BacktestError) as error:
        parse_csv(text, ALLIANCE, WELLBEING)
    return error.value.problems


def v_shape(ref: str = "A") -> list[str]:
    totals = [9.5, 9.5, 9.5, 9.5, 7, 9.5]
    return [f"{ref},{n},2026-01-{n:02d},{t},{t},{t},{t},," for n, t in enumerate(totals, start=1)]


def test_a_csv_becomes_each_clients_visits_in_session_order():
    text = csv_of("B,2,2026-01-08,9,9,9,9.25,little,yes", "B,1,2026-01-01,10,10,10,10,,")
    (visits,) = parse_csv(text, ALLIANCE, WELLBEING).values()
    assert [v.number for v in visits] == [1, 2]
    assert visits[1].total == pytest.approx(36.3)  # 9.25 kept in tenths, as the form does
    assert (visits[1].tension, visits[1].talked_through) == ("little", True)


def test_the_backtest_runs_the_same_code_as_the_worker():
    visits = parse_csv(csv_of(*v_shape()), ALLIANCE, WELLBEING)
    result = run_backtest(visits, ALLIANCE, WELLBEING, Policy())
    direct = assess_course(visits["A"], ALLIANCE, Policy(), WELLBEING)
    assert [(a.session_number, a.rule, a.level) for a in result.alerts] == [
        (s.number, s.rule, s.level) for s in direct.alerts
    ] == [(5, "R3", "rupture")]
    assert [(e.state, e.opened_at, e.closed_at) for e in result.episodes] == [("repaired", 5, 6)]
    summary = result.summary
    assert (summary.clients, summary.sessions, summary.episodes_flagged) == (1, 6, 1)
    assert summary.alerts_per_100_sessions == pytest.approx(16.7)
    assert summary.repaired_share == 1.0


def test_wellbeing_columns_feed_the_wellbeing_total():
    header = HEADER + ",wb_personal,wb_relationships,wb_social,wb_overall"
    (visits,) = parse_csv(
        csv_of("A,1,2026-01-01,9,9,9,9,,,5,5,5,5.5", "A,2,2026-01-08,9,9,9,9,,,,,,", header=header),
        ALLIANCE, WELLBEING,
    ).values()  # fmt: skip
    assert [v.wellbeing for v in visits] == [pytest.approx(20.5), None]


def test_every_bad_row_is_reported_with_its_line_and_column_but_never_its_value():
    text = csv_of(
        "A,1,2026-01-01,9,9,9,9,,",
        "A,2,2026-01-08,eleven,9,9,9,,",
        "A,3,2026-13-01,9,9,9,10.5,,",
        "A,3,2026-01-22,9,9,9,9,,",
        ",4,2026-01-29,9,9,9,9,plenty,maybe",
        "A,x,2026-02-05,9,9,9,9,,",
        "A,6,2026-02-12,9,9,9",
        "A,7,2026-02-19,NaN,9,9,,,",
    )
    found = [(p.line, p.column, p.message) for p in problems(text)]
    assert found == [
        (3, "safety", "is not a number from 0 to 10"),
        (4, "session_date", "is not a date like 2026-03-31"),
        (4, "approach", "is not a number from 0 to 10"),
        (5, "session_number", "repeats line 4"),
        (6, "client_ref", "is empty"),
        (6, "tension", "is not one of none, little, some, lot"),
        (6, "talked_through", "is not yes or no"),
        (7, "session_number", "is not a whole number from 1"),
        (8, None, "has 6 cells, expected 9"),
        (9, "safety", "is not a number from 0 to 10"),
        (9, "approach", "is not a number from 0 to 10"),
    ]
    assert "eleven" not in str(BacktestError(problems(text)))


def test_a_wrong_header_and_partial_wellbeing_are_reported():
    assert [(p.line, p.column, p.message) for p in problems("client,session_number\n")] == [
        (1, name, "is missing") for name in HEADER.split(",") if name != "session_number"
    ] + [(1, "client", "is not a known column")]
    header = HEADER + ",wb_personal,wb_relationships,wb_social,wb_overall"
    partial = csv_of("A,1,2026-01-01,9,9,9,9,,,5,,5,5", header=header)
    assert [(p.line, p.message) for p in problems(partial)] == [
        (2, "wellbeing columns must be all filled or all empty")
    ]


def test_an_empty_file_is_an_error_not_an_empty_result():
    assert [str(p) for p in problems("")] == ["line 1: the file is empty"]


def test_the_cli_prints_alerts_episodes_and_a_summary(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(csv_of(*v_shape("client-7")), encoding="utf-8")
    result = CliRunner().invoke(backtest, [str(path)])
    assert result.exit_code == 0, result.output
    assert "client-7" in result.output and "R3" in result.output and "rupture" in result.output
    assert "repaired" in result.output
    summary = "clients 1, sessions 6, episodes flagged 1, alerts per 100 sessions 16.7"
    assert summary in result.output
    assert "repaired share 100%" in result.output


def test_the_cli_prints_one_json_object_with_alerts_episodes_and_summary():
    result = CliRunner().invoke(backtest, [str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"alerts", "episodes", "summary"}
    assert set(data["alerts"][0]) == {"client_ref", "session_number", "rule", "level", "reason"}
    ruptures = [a for a in data["alerts"] if a["level"] == "rupture"]
    assert ruptures and all("of 40" in a["reason"] or "tension" in a["reason"] for a in ruptures)
    assert {e["state"] for e in data["episodes"]} <= {"open", "repaired", "escalated", "closed"}
    assert data["summary"]["clients"] == 7


def test_the_cli_exits_non_zero_and_names_each_bad_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_of("A,1,2026-01-01,9,9,9,9,,", "A,2,2026-01-08,99,9,9,9,,"), "utf-8")
    result = CliRunner().invoke(backtest, [str(path)])
    assert result.exit_code != 0
    assert "bad.csv: line 3, column safety: is not a number from 0 to 10" in result.output
    assert "99" not in result.output.replace("bad.csv", "")


def test_the_cli_applies_a_policy_file_and_refuses_a_bad_one(tmp_path):
    quiet = tmp_path / "quiet.json"
    quiet.write_text(json.dumps({"disabled_rules": ["R3", "R4"]}), encoding="utf-8")
    path = tmp_path / "history.csv"
    path.write_text(csv_of(*v_shape()), encoding="utf-8")
    result = CliRunner().invoke(backtest, [str(path), "--policy", str(quiet), "--format", "json"])
    assert json.loads(result.output)["alerts"] == []
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"rupture_zz": 2}), encoding="utf-8")
    result = CliRunner().invoke(backtest, [str(path), "--policy", str(typo)])
    assert result.exit_code != 0 and "unknown policy setting 'rupture_zz'" in result.output


def test_a_missed_session_number_in_the_file_is_a_gap_not_a_rupture():
    rows = [f"A,{n},2026-01-{n:02d},9.5,9.5,9.5,9.5,," for n in (1, 2, 3, 5, 6)]
    visits = parse_csv(csv_of(*rows), ALLIANCE, WELLBEING)
    assert run_backtest(visits, ALLIANCE, WELLBEING, Policy()).alerts == ()
    items = {name: 9.5 for name in ("safety", "heard", "goals", "approach")}
    assert visits["A"][3] == Visit(5, 38.0, items)
