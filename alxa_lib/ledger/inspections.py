"""The reads of the integrity signals and the on-site inspections (docs/measures.md §12): every report version's
figures, and the inspection records."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from duckdb import DuckDBPyConnection as Connection
from alxa_lib.ledger.store import live

if TYPE_CHECKING:
    import pandas as pd


def version_history(con: Connection, year: int) -> pd.DataFrame:
    """Every report version's investment and progress figures of every project of ``year`` (not only the
    latest version): the input of the integrity signals (docs/measures.md §12.1)."""
    return con.execute(f"""SELECT f.department, f.period, f.version, f.received, f.file_id, r.project_id, r.status,
                                  r.annual_completed, r.cumulative_completed, r.progress_pct, r.progress_text
                           FROM report_rows r JOIN files f USING (file_id)
                           WHERE f.kind='report' AND year(f.period)=? AND r.project_id IS NOT NULL AND {live('f')}
                           ORDER BY r.project_id, f.period, f.version""", [year]).df()


def inspection_records(con: Connection, year: int, period: dt.date | None = None) -> pd.DataFrame:
    """The on-site inspection records of ``year`` (of one reporting ``period`` when given), from the latest
    version of each record file, withdrawn ones left out (docs/measures.md §12.3)."""
    where = "AND f.period = ?" if period is not None else ""
    args = [year] + ([period] if period is not None else [])
    return con.execute(f"""SELECT f.file_id, f.received, i.* EXCLUDE (file_id)
                           FROM inspection_rows i JOIN files f USING (file_id)
                           WHERE f.kind = 'inspection' AND year(f.period) = ? {where} AND {live('f')}
                           QUALIFY f.version = max(f.version) OVER (PARTITION BY f.original_name, f.period)
                           ORDER BY i.project_id, i.inspected_on, f.file_id""", args).df()
