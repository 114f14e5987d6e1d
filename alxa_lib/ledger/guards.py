"""Guards on the ledger that commands check before they work, each one clear line: the year is in the ledger,
a period, quarter or month has reports. Reading commands (``alxa metrics``, ``score``…) and the report runner
use them alike."""
from __future__ import annotations

import datetime as dt

from alxa_lib import periods as cal
from alxa_lib.errors import NoData
from alxa_lib.ledger import queries, store


def require_year(db, year: int) -> None:
    """NoData unless the ledger holds a plan or a report of ``year``."""
    con = store.connect(db, read_only=True)
    try:
        require_year_on(con, year)
    finally:
        con.close()


def require_year_on(con: queries.Connection, year: int) -> None:
    """``require_year`` on a connection already open (a reading command opens the ledger once)."""
    years = queries.years_with_data(con)
    if year not in years:
        have = "、".join(str(y) for y in sorted(years)) or "无"
        raise NoData(f"台账中没有{year}年的数据（已有：{have}）",
                     f"the ledger holds no data for {year} (it has: {have.replace('、', ', ')})")
    if not queries.has_plan(con, year):  # reports without their plan: no figure is right, none is given
        raise NoData(f"{year}年计划未入库：请先导入{year}年度计划（已入库的报表在计划入库后自动重新对应）",
                     f"the {year} plan is not in the ledger: ingest it first (the reports already stored are "
                     f"matched again when it arrives)")


def require_reports(db, first: dt.date, last: dt.date, what_cn: str, what_en: str) -> None:
    """NoData unless the ledger holds the year of ``last`` (``require_year``) and a period report dated
    ``first``..``last`` (withdrawn ones do not count); one connection for both."""
    con = store.connect(db, read_only=True)
    try:
        require_year_on(con, last.year)
        have = queries.report_periods(con)
    finally:
        con.close()
    if not any(first <= p <= last for p in have):
        near = "、".join(p.isoformat() for p in sorted(have, key=lambda p: abs(p - last))[:2]) or "无"
        raise NoData(f"台账中没有{what_cn}的报表（最近的报表期：{near}）",
                     f"the ledger holds no report for {what_en} (nearest periods: {near.replace('、', ', ')})")


def require_quarter(db, year: int, q: int) -> None:
    first = dt.date(year, 3 * q - 2, 1)
    require_reports(db, first, cal.quarter_end(year, q), f"{year}年第{q}季度", f"{year}Q{q}")


def require_month(db, year: int, month: int) -> None:
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    require_reports(db, first, last, f"{year}年{month}月", f"{year}-{month:02d}")
