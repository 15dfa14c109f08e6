"""The one way a report period is read: an ISO week, or a first and a last day.

Every adapter (the staff page, the API, the CLI, beat) parses through `parse_period`, so
the same dates give the same report: a Monday-to-Sunday span is labelled as its ISO week,
and no period may run longer than MAX_DAYS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fic.errors import InvalidRequest

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """An ISO week such as 2026-W47 (Monday to Sunday)."""
        try:
            year, week = text.upper().split("-W")
            start = date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise InvalidRequest.about("period", "give an ISO week such as 2026-W47") from None
        return cls(start, start + timedelta(days=6), f"{int(year)}-W{int(week):02d}")

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        """First to last day, both included; a whole ISO week is that week."""
        if end < start:
            raise InvalidRequest.about("period", "the period ends before it starts")
        if (end - start).days > MAX_DAYS:
            raise InvalidRequest.about("period", f"at most {MAX_DAYS} days")
        year, week, weekday = start.isocalendar()
        if weekday == 1 and end - start == timedelta(days=6):
            return cls.parse(f"{year}-W{week}")
        return cls(start, end, f"{start.isoformat()}..{end.isoformat()}")

    @classmethod
    def week_before(cls, day: date) -> Period:
        year, week, _ = (day - timedelta(days=7)).isocalendar()
        return cls.parse(f"{year}-W{week}")


def parse_period(
    week: str | None = None, start: date | str | None = None, end: date | str | None = None
) -> Period:
    """An ISO week, or `start` and `end` (dates or YYYY-MM-DD text)."""
    if week:
        return Period.parse(week)
    if start and end:
        return Period.between(_day(start), _day(end))
    raise InvalidRequest.about("period", "give an ISO week, or from and to")


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest.about("period", "give days as YYYY-MM-DD") from None


def period_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the clinic's time zone."""
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(start, time(), zone),
        datetime.combine(end + timedelta(days=1), time(), zone),
    )
