"""The reporting calendar: half-monthly periods, quarters, targets (docs/measures.md §2)."""
from __future__ import annotations

import datetime as dt
import functools

from alxa_lib import params
from alxa_lib.errors import BadParameter


def _mmdd(year: int, mmdd: str) -> dt.date:
    month, day = (int(x) for x in mmdd.split("-"))
    return dt.date(year, month, day)


def periods(year: int) -> list[dt.date]:
    """All due dates of the year: the 14th and the 28th of every month."""
    return list(_periods(year, tuple(params.load("monitoring")["due_days"])))


@functools.lru_cache(maxsize=None)
def _periods(year: int, days: tuple[int, ...]) -> tuple[dt.date, ...]:  # asked for once per project and period
    return tuple(dt.date(year, m, d) for m in range(1, 13) for d in days)


def period_on_or_after(day: dt.date) -> dt.date:
    """The first due date on or after ``day`` (maps a report's 截至 date to its period)."""
    for due in periods(day.year) + periods(day.year + 1):
        if due >= day:
            return due
    raise ValueError(day)


def next_period(due: dt.date) -> dt.date:
    return period_on_or_after(due + dt.timedelta(days=1))


def previous_periods(due: dt.date) -> list[dt.date]:
    return [p for p in periods(due.year) if p < due]


def quarter_end(year: int, q: int) -> dt.date:
    return [dt.date(year, 3, 31), dt.date(year, 6, 30), dt.date(year, 9, 30), dt.date(year, 12, 31)][q - 1]


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def parse_quarter(text: str) -> tuple[int, int]:
    """``2025Q2`` → (2025, 2)."""
    t = text.strip().upper()
    if len(t) != 6 or t[4] != "Q" or t[5] not in "1234" or not t[:4].isdigit():
        raise BadParameter(f"季度格式应为 2025Q2：{text!r}", f"a quarter looks like 2025Q2: {text!r}")
    return int(t[:4]), int(t[5])


def parse_month(text: str) -> tuple[int, int]:
    """``2025-06`` → (2025, 6)."""
    try:
        y, m = (int(x) for x in str(text).strip().split("-")[:2])
        dt.date(y, m, 1)
        return y, m
    except (ValueError, TypeError):
        raise BadParameter(f"月份格式应为 2025-06：{text!r}", f"a month looks like 2025-06: {text!r}") from None


def reporting_date(day: dt.date) -> dt.date:
    """``day`` itself when it is a due date (params ``due_days``); else a BadParameter naming the nearest."""
    if day in periods(day.year):
        return day
    around = sorted(periods(day.year - 1) + periods(day.year) + periods(day.year + 1), key=lambda d: abs(d - day))[:2]
    near = "、".join(d.isoformat() for d in sorted(around))
    days = params.load("monitoring")["due_days"]
    raise BadParameter(f"{day} 不是报送日期（每月{'、'.join(f'{d}日' for d in days)}），最近的是 {near}",
                       f"{day} is not a reporting date (day {' or '.join(map(str, days))} of the month); "
                       f"nearest: {near.replace('、', ', ')}")


def commencement_targets(year: int) -> list[tuple[dt.date, float]]:
    return [(_mmdd(year, t["date"]), float(t["rate"])) for t in params.load("monitoring")["commencement_targets"]]


def in_winter(day: dt.date) -> bool:
    """True inside the winter stop (default 11-15 .. 03-15 of the next year)."""
    start, end = params.load("monitoring")["winter_stop"]
    return day >= _mmdd(day.year, start) or day <= _mmdd(day.year, end)


def last_working_day(year: int) -> dt.date:
    """The last day of ``year`` before its winter stop begins (12-31 when the stop starts in January)."""
    start = _mmdd(year, params.load("monitoring")["winter_stop"][0])
    return start - dt.timedelta(days=1) if start.month > 3 else dt.date(year, 12, 31)


def mmdd(year: int, text: str) -> dt.date:
    return _mmdd(year, text)
