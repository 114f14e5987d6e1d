"""What report notebooks read from the ledger, through short-lived read-only connections.

A notebook never keeps the ledger open: each function here opens it, reads what the report needs
into memory and closes it at once, so an ingest running meanwhile is never blocked for long
(docs/architecture.md §4).
"""
from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from alxa_lib import ledger
from alxa_lib import periods as cal
from alxa_lib.checks.validate import latest_only, period_findings
from alxa_lib.figures.state import YearData, load_year
from alxa_lib.ledger.queries import Connection

FindingsOf = Callable[[dt.date], pd.DataFrame]


@contextlib.contextmanager
def reading(db: Path | str | None) -> Iterator[Connection]:
    con = ledger.connect(db, read_only=True)
    try:
        yield con
    finally:
        con.close()


def year(db, year_: int) -> YearData:
    with reading(db) as con:
        return load_year(con, year_)


def year_with_findings(db, year_: int, until: dt.date | None = None) -> tuple[YearData, FindingsOf]:
    """The year in memory and the validation findings of its periods up to ``until`` (stored ones when
    fresh, else computed once), so scoring never goes back to the ledger."""
    with reading(db) as con:
        data = load_year(con, year_)
        cache = {p: period_findings(con, p) for p in cal.periods(year_) if until is None or p <= until}
    return data, cache.__getitem__


def brief_inputs(db, period: dt.date) -> tuple[YearData, pd.DataFrame]:
    """The year and the period's findings on the latest version of each report (for the brief)."""
    with reading(db) as con:
        return load_year(con, period.year), latest_only(period_findings(con, period), con)


def investigation(db, as_of: dt.date, project_ids=None, department: str = "", lights=None):
    """The investigation of the selected projects as of ``as_of`` (see ``reports.content.investigate``)."""
    from alxa_lib.reports.content.investigate import investigate, select, selection_label
    with reading(db) as con:
        data = load_year(con, as_of.year)
        ids = select(data, as_of, project_ids or None, department or None, lights or None)
        return investigate(data, con, as_of, ids, selection_label(project_ids, department, lights))
