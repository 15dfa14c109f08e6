"""Backtest: run a clinic's past alliance forms through the same rules the worker uses.

The CSV has one row per completed alliance form: client_ref, session_number,
session_date, safety, heard, goals, approach, tension, talked_through, and optionally
wb_personal, wb_relationships, wb_social, wb_overall. Scores are 0–10 with decimals
(kept in tenths, as the form keeps them); tension and talked_through may be empty.
Every bad row is reported with its line number and column; nothing is skipped. Error
messages never repeat a cell's value (it may be health data).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from fic.domain.instruments import Instrument
from fic.domain.ruptures import Policy, Visit, assess_course
from fic.errors import InvalidRequest

SCORES = ("safety", "heard", "goals", "approach")
WELLBEING_COLUMNS = ("wb_personal", "wb_relationships", "wb_social", "wb_overall")
REQUIRED = ("client_ref", "session_number", "session_date", *SCORES, "tension", "talked_through")
TENSION = {"none": "none", "no": "none", "little": "little", "a little": "little",
           "some": "some", "lot": "lot", "a lot": "lot"}  # fmt: skip
YES_NO = {"yes": True, "y": True, "true": True, "1": True,
          "no": False, "n": False, "false": False, "0": False}  # fmt: skip
_DECIMAL = re.compile(r"[0-9]{1,2}(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class BacktestError(InvalidRequest):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(problem) for problem in self.problems)


@dataclass(frozen=True)
class Alert:
    client_ref: str
    session_number: int
    rule: str
    level: str
    reason: str | None = None  # why, in words and numbers (every rupture has one)


@dataclass(frozen=True)
class EpisodeRow:
    client_ref: str
    number: int
    state: str
    opened_at: int
    closed_at: int | None
    rules: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True)
class Summary:
    clients: int
    sessions: int
    episodes_flagged: int
    alerts_per_100_sessions: float
    repaired_share: float | None  # of the episodes; None when there are none


@dataclass(frozen=True)
class BacktestResult:
    alerts: tuple[Alert, ...]
    episodes: tuple[EpisodeRow, ...]
    summary: Summary


def parse_csv(text: str, alliance: Instrument, wellbeing: Instrument) -> dict[str, list[Visit]]:
    """Each client's visits in session order, or BacktestError naming every bad line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise BacktestError([Problem(1, None, "the file is empty")])
    header = [name.strip() for name in header]
    problems = _check_header(header)
    if problems:
        raise BacktestError(problems)
    visits: dict[str, list[Visit]] = defaultdict(list)
    seen: dict[tuple[str, int], int] = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # a blank line holds no form
        if len(row) != len(header):
            problems.append(Problem(start, None, f"has {len(row)} cells, expected {len(header)}"))
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        visit, row_problems = _visit(start, cells, alliance, wellbeing)
        number = cells["session_number"]
        key = (cells["client_ref"], int(number) if number.isdigit() else -1)
        if key in seen:
            row_problems.insert(0, Problem(start, "session_number", f"repeats line {seen[key]}"))
        seen.setdefault(key, start)
        problems += row_problems
        if visit is not None and not row_problems:
            visits[cells["client_ref"]].append(visit)
    if problems:
        raise BacktestError(problems)
    return {ref: sorted(rows, key=lambda v: v.number) for ref, rows in visits.items()}


def run_backtest(
    visits: Mapping[str, list[Visit]], alliance: Instrument, wellbeing: Instrument, policy: Policy
) -> BacktestResult:
    alerts: list[Alert] = []
    episodes: list[EpisodeRow] = []
    for ref in sorted(visits):
        course = assess_course(_with_gaps(visits[ref]), alliance, policy, wellbeing)
        alerts += [Alert(ref, s.number, s.rule, s.level, s.reason) for s in course.alerts]
        episodes += [
            EpisodeRow(ref, e.number, e.state, e.opened_at, e.closed_at, e.rules, e.reason)
            for e in course.episodes
        ]
    sessions = sum(len(rows) for rows in visits.values())
    repaired = sum(1 for episode in episodes if episode.state == "repaired")
    summary = Summary(
        clients=len(visits),
        sessions=sessions,
        episodes_flagged=len(episodes),
        alerts_per_100_sessions=round(100 * len(alerts) / sessions, 1) if sessions else 0.0,
        repaired_share=round(repaired / len(episodes), 3) if episodes else None,
    )
    return BacktestResult(tuple(alerts), tuple(episodes), summary)


def _with_gaps(rows: list[Visit]) -> list[Visit]:
    """A session number with no row is a session without a form, as the worker sees it."""
    given = {visit.number: visit for visit in rows}
    return [given.get(n, Visit(n, None)) for n in range(1, max(given, default=0) + 1)]


def _check_header(header: list[str]) -> list[Problem]:
    known = set(REQUIRED) | set(WELLBEING_COLUMNS)
    problems = [Problem(1, name, "is missing") for name in REQUIRED if name not in header]
    problems += [Problem(1, name or "(empty)", "is not a known column") for name in header
                 if name not in known]  # fmt: skip
    problems += [Problem(1, name, "appears twice") for name in sorted(set(header))
                 if header.count(name) > 1]  # fmt: skip
    return problems


def _visit(
    line: int, cells: Mapping[str, str], alliance: Instrument, wellbeing: Instrument
) -> tuple[Visit | None, list[Problem]]:
    problems: list[Problem] = []
    if not cells["client_ref"]:
        problems.append(Problem(line, "client_ref", "is empty"))
    number = cells["session_number"]
    if not number.isdigit() or not 1 <= int(number) <= 100_000:
        problems.append(Problem(line, "session_number", "is not a whole number from 1"))
    try:
        date.fromisoformat(cells["session_date"])
    except ValueError:
        problems.append(Problem(line, "session_date", "is not a date like 2026-03-31"))
    scores = _scores(line, cells, SCORES, problems)
    tension = TENSION.get(cells["tension"].lower()) if cells["tension"] else None
    if cells["tension"] and tension is None:
        problems.append(Problem(line, "tension", "is not one of none, little, some, lot"))
    talked = YES_NO.get(cells["talked_through"].lower()) if cells["talked_through"] else None
    if cells["talked_through"] and talked is None:
        problems.append(Problem(line, "talked_through", "is not yes or no"))
    given = [name for name in WELLBEING_COLUMNS if cells.get(name)]
    wb: dict[str, int] = {}
    if given and len(given) != len(WELLBEING_COLUMNS):
        problems.append(Problem(line, None, "wellbeing columns must be all filled or all empty"))
    elif given:
        wb = _scores(line, cells, WELLBEING_COLUMNS, problems)
    if problems:
        return None, problems
    answers = {name: scores[name] for name in SCORES}
    wb_answers = {name.removeprefix("wb_"): value for name, value in wb.items()}
    return Visit(
        number=int(number),
        total=alliance.total_of(answers),
        items={name: alliance.points(name, value) for name, value in answers.items()},
        tension=tension,
        talked_through=talked,
        wellbeing=wellbeing.total_of(wb_answers) if wb_answers else None,
    ), []


def _scores(
    line: int, cells: Mapping[str, str], names: Iterable[str], problems: list[Problem]
) -> dict[str, int]:
    """Scores as stored tenths 0–100; a problem for each cell that is not 0–10."""
    tenths: dict[str, int] = {}
    for name in names:
        raw = cells.get(name, "")
        value = None
        if _DECIMAL.fullmatch(raw):
            value = int((Decimal(raw) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if value is None or not 0 <= value <= 100:
            problems.append(Problem(line, name, "is not a number from 0 to 10"))
        else:
            tenths[name] = value
    return tenths
