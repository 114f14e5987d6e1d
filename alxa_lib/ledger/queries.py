"""Every question the higher stages ask the ledger, as one function each (docs/architecture.md §3).

Checks, figures and reports never write SQL: they call these and work on the DataFrames returned.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Collection

import duckdb

if TYPE_CHECKING:  # pandas is imported where it is used: a report run checks the ledger without it
    import pandas as pd

from alxa_lib.ledger.inspections import inspection_records
from alxa_lib.ledger.store import affects_period, live
from alxa_lib.rules import FINDING_COLUMNS
from alxa_lib.values import clean, same_value
from alxa_lib.vocab import PROCEDURES
from alxa_lib.workbooks.plan import apply_adjustments

Connection = duckdb.DuckDBPyConnection


def _empty_like(con: Connection, table: str) -> pd.DataFrame:
    import pandas as pd
    return pd.DataFrame(columns=[c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()])


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: clean(v) for k, v in r.items()} for r in df.to_dict("records")]


# ---------------------------------------------------------------- plan and registers
def latest_plan_rows(con: Connection, year: int | None = None) -> pd.DataFrame:
    """All rows (base and 调整调入) of the latest ingested plan version (of ``year`` when given)."""
    args: list = []
    where = f"kind = 'plan' AND {live()}"
    if year is not None:
        where += " AND (plan_year = ? OR plan_year IS NULL)"
        args.append(year)
    row = con.execute(f"SELECT file_id FROM files WHERE {where} ORDER BY version DESC, file_id DESC LIMIT 1",
                      args).fetchone()
    if row is None:
        return _empty_like(con, "plan_rows")
    return con.execute("SELECT * FROM plan_rows WHERE file_id = ? ORDER BY row_no", [row[0]]).df()


def latest_register(con: Connection, table: str) -> pd.DataFrame:
    """The rows of ``table`` (a ``reg_*`` table) from the latest registers workbook."""
    row = con.execute(f"SELECT file_id FROM files WHERE kind='registers' AND {live()} "
                      "ORDER BY version DESC, file_id DESC LIMIT 1").fetchone()
    if row is None:
        return _empty_like(con, table)
    return con.execute(f"SELECT * FROM {table} WHERE file_id = ? ORDER BY row_no", [row[0]]).df()


def register_counts(con: Connection) -> dict[str, int] | None:
    """Rows of each ``reg_*`` table in the latest registers workbook; None when none is stored."""
    row = con.execute(f"SELECT file_id FROM files WHERE kind='registers' AND {live()} "
                      "ORDER BY version DESC, file_id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    from alxa_lib.ledger.store import REGISTER_TABLES
    return {t: con.execute(f"SELECT count(*) FROM {t} WHERE file_id = ?", [row[0]]).fetchone()[0]  # noqa: S608
            for t in REGISTER_TABLES.values()}


def plan_in_force(con: Connection, day: dt.date) -> pd.DataFrame:
    """The plan in force on ``day`` (docs/measures.md §3): latest plan and register versions."""
    return apply_adjustments(latest_plan_rows(con, day.year), latest_register(con, "reg_adjustments"), day)


def plan_key(con: Connection) -> tuple:
    """Changes whenever a plan or a registers workbook is stored (for caching the plan in force)."""
    return con.execute(f"SELECT max(file_id) FILTER (WHERE kind='plan'), "
                       f"max(file_id) FILTER (WHERE kind='registers'), (SELECT count(*) FROM withdrawals) "
                       f"FROM files WHERE {live()}").fetchone()


def years_with_data(con: Connection) -> set[int]:
    """Years that have a plan or a period report in the ledger."""
    rows = con.execute(f"""SELECT DISTINCT plan_year FROM files WHERE kind='plan' AND plan_year IS NOT NULL AND {live()}
                           UNION SELECT DISTINCT year(period) FROM files WHERE kind='report' AND {live()}""").fetchall()
    return {int(r[0]) for r in rows if r[0] is not None}


def stored_shas(con: Connection) -> set[str]:
    """The SHA-256 of every stored file (withdrawn ones too)."""
    return {r[0] for r in con.execute("SELECT sha256 FROM files").fetchall()}


def latest_registers_copy(con: Connection) -> str | None:
    """The archive copy of the latest (live) registers workbook, or None."""
    row = con.execute(f"SELECT archive_path FROM files WHERE kind='registers' AND {live()} "
                      "ORDER BY version DESC, file_id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def has_plan(con: Connection, year: int) -> bool:
    """True when a (live) plan of ``year`` is in the ledger."""
    return con.execute(f"SELECT count(*) FROM files WHERE kind='plan' AND plan_year = ? AND {live()}",
                       [year]).fetchone()[0] > 0


def files_to_match(con: Connection) -> list[tuple]:
    """Every stored file whose rows are matched to the plan (docs/measures.md §10.9), with what matching
    used: (file_id, kind, department, period, report_date, received, meta sheet, col_refs, matched_with)."""
    return con.execute("SELECT file_id, kind, department, period, report_date, received, "
                       "json_extract_string(meta, '$.sheet'), col_refs, matched_with FROM files "
                       "WHERE kind IN ('report', 'start_report', 'schedule') ORDER BY file_id").fetchall()


def rows_to_match(con: Connection, table: str, file_ids: list[int]) -> pd.DataFrame:
    """The rows of ``table`` of these files, as matching needs them (the id the department wrote, the name)."""
    return con.execute(f"SELECT file_id, row_no, given_id, project_id, matched_by, name FROM {table} "  # noqa: S608
                       f"WHERE list_contains(?, file_id) ORDER BY file_id, row_no", [file_ids]).df()


def content_versions(con: Connection) -> list[tuple]:
    """(file_id, content fingerprint) of every stored file, in storing order (a re-sent older version)."""
    return con.execute("SELECT file_id, content_sha FROM files ORDER BY file_id").fetchall()


# ---------------------------------------------------------------- a year, for the figures
def year_frames(con: Connection, year: int, only: Collection[str] | None = None,
                report_columns: Collection[str] | None = None) -> dict[str, pd.DataFrame]:
    """The raw frames a year of figures is computed from (see ``figures.state.load_year``); ``only`` names
    the frames to read (None: all of them), ``report_columns`` the report-row columns (None: all of them)."""
    row_cols = "r.*" if report_columns is None else ", ".join(f'r."{c}"' for c in report_columns)
    reads = {
        "plan_rows": lambda: latest_plan_rows(con, year),
        "adjustments": lambda: latest_register(con, "reg_adjustments"),
        "versions": lambda: con.execute(f"""SELECT file_id, department, period, version, received, signed FROM files
                                   WHERE kind='report' AND year(period)=? AND {live()} ORDER BY department, period, version""",
                                        [year]).df(),
        "reports": lambda: con.execute(f"""
            SELECT f.department, f.period, f.version, f.received, {row_cols} FROM report_rows r JOIN files f USING (file_id)
            WHERE f.kind='report' AND year(f.period)=? AND {live('f')}
            QUALIFY f.version = max(f.version) OVER (PARTITION BY f.department, f.period)
            ORDER BY f.department, f.period, r.row_no""", [year]).df(),
        "starts": lambda: con.execute(f"""SELECT f.department, f.report_date, f.received, s.* FROM start_rows s
                                 JOIN files f USING (file_id) WHERE year(s.start_date)=? AND {live('f')}""",
                                      [year]).df(),
        "schedules": lambda: con.execute(f"""SELECT f.department, f.received, f.version_label, f.version AS file_version, s.*
                                    FROM schedule_rows s JOIN files f USING (file_id)
                                    WHERE (f.plan_year = ? OR f.plan_year IS NULL) AND {live('f')}""", [year]).df(),
        "findings": lambda: con.execute(f"SELECT * FROM findings WHERE file_id IS NULL OR {live()}").df(),
        "version_projects": lambda: con.execute(f"""SELECT r.file_id, r.project_id FROM report_rows r JOIN files f USING (file_id)
                                           WHERE f.kind='report' AND year(f.period)=? AND r.project_id IS NOT NULL
                                           AND {live('f')}""", [year]).df(),
        "promises": lambda: promise_rows(con, year),
        "inspections": lambda: inspection_records(con, year),
        **{f"reg_{t}": (lambda t=t: latest_register(con, f"reg_{t}"))
           for t in ("decisions", "problems", "bonuses", "incidents", "liaisons")},
    }
    return {name: read() for name, read in reads.items() if only is None or name in only}


def promise_rows(con: Connection, year: int) -> pd.DataFrame:
    """Every report version's status, start date and expected start date of every project of ``year``
    (not only the latest version: the promise history of docs/measures.md §11.1)."""
    return con.execute(f"""SELECT f.department, f.period, f.version, f.received, r.project_id, r.status,
                                  r.start_date, r.expected_start
                           FROM report_rows r JOIN files f USING (file_id)
                           WHERE f.kind='report' AND year(f.period)=? AND r.project_id IS NOT NULL AND {live('f')}
                           ORDER BY r.project_id, f.period, f.version""", [year]).df()


def project_history(con: Connection, project_id: str, year: int) -> pd.DataFrame:
    """Every report version that mentions the project: period, version, received, status, investment,
    image-progress text, problems, liaison, procedures."""
    import pandas as pd
    cols = ", ".join(["r." + c for c in ("status", "start_date", "annual_completed", "cumulative_completed",
                                          "progress_text", "progress_pct", "problems", "unstarted_reason",
                                          "expected_start", "liaison", "current_stage", *PROCEDURES)])
    out = con.execute(f"""SELECT f.period, f.version, f.received, f.department, f.original_name, {cols}
                           FROM report_rows r JOIN files f USING (file_id)
                           WHERE r.project_id = ? AND year(f.period) = ? AND {live('f')} ORDER BY f.period, f.version""",
                      [project_id, year]).df()
    for c in ("period", "received", "start_date", "expected_start"):  # dates, not timestamps, in the tables
        out[c] = pd.to_datetime(out[c]).dt.date
    return out


# ---------------------------------------------------------------- one period, for the checks
def report_files(con: Connection, period: dt.date) -> pd.DataFrame:
    """Every version of every period report filed under ``period``."""
    return con.execute(f"SELECT * FROM files WHERE kind='report' AND period=? AND {live()} ORDER BY department, version",
                       [period]).df()


def report_rows(con: Connection, file_id: int) -> list[dict]:
    """The rows of one stored report version, missing values as None."""
    return _records(con.execute("SELECT * FROM report_rows WHERE file_id = ? ORDER BY row_no", [file_id]).df())


def report_row(con: Connection, file_id: int, project_id: str) -> dict | None:
    """One project's row of a stored report version."""
    df = con.execute("SELECT * FROM report_rows WHERE file_id=? AND project_id=? LIMIT 1", [file_id, project_id]).df()
    return None if df.empty else df.iloc[0].to_dict()


def latest_rows_before(con: Connection, department: str, period: dt.date) -> dict[str, dict]:
    """Project → row of the department's latest report of the year before ``period`` (§9.17)."""
    row = con.execute(f"""SELECT file_id FROM files WHERE kind='report' AND department=? AND period < ?
                         AND year(period) = ? AND {live()} ORDER BY period DESC, version DESC LIMIT 1""",
                      [department, period, period.year]).fetchone()
    return {r["project_id"]: r for r in report_rows(con, row[0]) if r.get("project_id")} if row else {}


def completed_before(con: Connection, department: str, period: dt.date) -> dict[str, dt.date]:
    """Project → the first period of the year in which the department reported it 已完工 (§9.6)."""
    df = con.execute(f"""SELECT r.project_id, min(f.period) AS p FROM report_rows r JOIN files f USING (file_id)
                        WHERE f.kind='report' AND f.department=? AND f.period < ? AND year(f.period) = ? AND {live('f')}
                        AND r.status='已完工' AND r.project_id IS NOT NULL GROUP BY 1""",
                     [department, period, period.year]).df()
    return {r["project_id"]: clean(r["p"]) for r in df.to_dict("records")}


def period_report_rows(con: Connection, period: dt.date) -> dict[int, list[dict]]:
    """``report_rows`` of every version filed under ``period`` at once: file id → its rows."""
    df = con.execute(f"""SELECT r.* FROM report_rows r JOIN files f USING (file_id)
                        WHERE f.kind='report' AND f.period=? AND {live('f')} ORDER BY r.file_id, r.row_no""",
                     [period]).df()
    out: dict[int, list[dict]] = {}
    for r in _records(df):
        out.setdefault(int(r["file_id"]), []).append(r)
    return out


def latest_rows_before_all(con: Connection, period: dt.date) -> dict[str, dict[str, dict]]:
    """``latest_rows_before`` of every department at once: department → project → row."""
    df = con.execute(f"""SELECT f._department, r.* FROM report_rows r JOIN (
                            SELECT file_id, department AS _department FROM files
                            WHERE kind='report' AND period < ? AND year(period) = ? AND {live()}
                            QUALIFY row_number() OVER (PARTITION BY department ORDER BY period DESC, version DESC,
                                                       file_id DESC) = 1) f USING (file_id)
                        WHERE r.project_id IS NOT NULL ORDER BY r.file_id, r.row_no""",
                     [period, period.year]).df()
    out: dict[str, dict[str, dict]] = {}
    for r in _records(df):
        out.setdefault(r.pop("_department"), {})[r["project_id"]] = r
    return out


def completed_before_all(con: Connection, period: dt.date) -> dict[str, dict[str, dt.date]]:
    """``completed_before`` of every department at once: department → project → first 已完工 period."""
    df = con.execute(f"""SELECT f.department, r.project_id, min(f.period) AS p FROM report_rows r JOIN files f USING (file_id)
                        WHERE f.kind='report' AND f.period < ? AND year(f.period) = ? AND {live('f')}
                        AND r.status='已完工' AND r.project_id IS NOT NULL GROUP BY 1, 2""",
                     [period, period.year]).df()
    out: dict[str, dict[str, dt.date]] = {}
    for r in df.to_dict("records"):
        out.setdefault(r["department"], {})[r["project_id"]] = clean(r["p"])
    return out


def reader_findings_of(con: Connection, file_ids: list[int]) -> dict[int, list[dict]]:
    """``reader_findings`` of many files at once: file id → its findings, in stored order."""
    df = con.execute(f"SELECT file_id, {', '.join(FINDING_COLUMNS)} FROM findings WHERE stage='ingest' "
                     "AND list_contains(?, file_id)", [[int(i) for i in file_ids]]).df()
    out: dict[int, list[dict]] = {}
    for r in df.to_dict("records"):
        out.setdefault(int(r.pop("file_id")), []).append(r)
    return out


def error_cells(con: Connection, file_id: int) -> set[str]:
    """Cells that an error finding of ``file_id`` named (a change to them is a correction, §9.18)."""
    return {c for (c,) in con.execute("SELECT cell FROM findings WHERE file_id=? AND severity='error' "
                                      "AND cell IS NOT NULL", [file_id]).fetchall()}


def reader_findings(con: Connection, file_id: int) -> list[dict]:
    """The findings the reader stored for ``file_id`` at ingest."""
    return con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings WHERE file_id=? AND stage='ingest'",
                       [file_id]).df().to_dict("records")


def start_rows_received(con: Connection, after: dt.date, until: dt.date) -> pd.DataFrame:
    """Start-report rows whose file was received in (after, until]."""
    return con.execute(f"""SELECT f.file_id, f.department, f.received, f.report_date, f.col_refs, f.meta, s.*
                          FROM start_rows s JOIN files f USING (file_id) WHERE f.received > ? AND f.received <= ?
                          AND {live('f')}""",
                       [after, until]).df()


def schedule_files_received(con: Connection, after: dt.date, until: dt.date) -> pd.DataFrame:
    """Schedule files received in (after, until]."""
    return con.execute(f"SELECT * FROM files WHERE kind='schedule' AND received > ? AND received <= ? AND {live()}",
                       [after, until]).df()


def file_versions(con: Connection, file_ids: list[int]) -> pd.DataFrame:
    """kind, department, period and version of the given files."""
    return con.execute("SELECT file_id, kind, department, period, version FROM files "
                       "WHERE list_contains(?, file_id)", [[int(i) for i in file_ids]]).df()


def latest_files(con: Connection, kind: str) -> pd.DataFrame:
    """The latest version of each (department, period) — or of each schedule version label."""
    return con.execute(f"""
        SELECT * FROM files WHERE kind = ? AND {live()} QUALIFY row_number() OVER (
            PARTITION BY department, period, version_label ORDER BY version DESC, file_id DESC) = 1
        ORDER BY department, period""", [kind]).df()


def version_changes(con: Connection, file_id: int) -> pd.DataFrame:
    """Cells of a report version that differ from the previous version of the same department and period."""
    import pandas as pd
    empty = pd.DataFrame(columns=["project_id", "field", "previous", "value", "cell", "previous_file_id"])
    cur = con.execute("SELECT * FROM files WHERE file_id = ?", [file_id]).df()
    if cur.empty or cur.kind[0] != "report":
        return empty
    prev = con.execute(f"""SELECT file_id FROM files WHERE kind='report' AND department=? AND period=? AND version < ?
                          AND {live()} ORDER BY version DESC LIMIT 1""",
                       [cur.department[0], cur.period[0], int(cur.version[0])]).fetchone()
    if prev is None:
        return empty
    refs = json.loads(cur.col_refs[0] or "{}").get("report_rows", {})
    new = con.execute("SELECT * FROM report_rows WHERE file_id=? AND project_id IS NOT NULL", [file_id]).df()
    old = con.execute("SELECT * FROM report_rows WHERE file_id=? AND project_id IS NOT NULL", [prev[0]]).df()
    skip = {"file_id", "row_no", "raw", "matched_by", "approx"}
    fields = [c for c in new.columns if c not in skip and c != "project_id"]
    old_by = {r["project_id"]: r for r in old.to_dict("records")}
    out = []
    for r in new.to_dict("records"):
        o = old_by.get(r["project_id"])
        if o is None:
            continue
        for f in fields:
            a, b = o.get(f), r.get(f)
            if same_value(a, b):
                continue
            col = refs.get(f) or refs.get({"start_year": "years", "end_year": "years"}.get(f, f))
            out.append({"project_id": r["project_id"], "field": f, "previous": a, "value": b,
                        "cell": f"{col}{r['row_no']}" if col else None, "previous_file_id": int(prev[0])})
    return pd.DataFrame(out, columns=empty.columns) if out else empty


# ---------------------------------------------------------------- stored findings
def stored_findings(con: Connection, period: dt.date) -> pd.DataFrame | None:
    """The stored validation findings of ``period`` while they are still fresh, else None.

    They go stale only when a file that can change them arrived after they were computed: a plan or
    registers workbook, a period report of this period or an earlier one (the previous report is
    compared), or a start report or schedule received by the period's due date. Files for later
    periods leave them fresh, so validating a new period does not redo the year."""
    try:
        run = con.execute("SELECT max_file_id FROM validation_runs WHERE period = ?", [period]).fetchone()
    except duckdb.CatalogException:  # a ledger from before validation_runs existed
        run = None
    if run is None:
        return None
    newer = con.execute(f"SELECT count(*) FROM files f WHERE f.file_id > ? AND {affects_period('f', '?')}",
                        [run[0], period, period]).fetchone()[0]
    if newer:
        return None
    df = con.execute(f"SELECT file_id, {', '.join(FINDING_COLUMNS)} FROM findings WHERE stage='validate' "
                     f"AND period = ?", [period]).df()
    df["period"] = period.isoformat()
    return df


# ---------------------------------------------------------------- withdrawals and the daily commands
def period_report_files(con: Connection, period: dt.date) -> pd.DataFrame:
    """Every version of every report filed under ``period``, withdrawn ones flagged (for ``alxa status``)."""
    return con.execute("""SELECT f.file_id, f.department, f.version, f.received, f.original_name, f.sha256,
                                 w.file_id IS NOT NULL AS withdrawn
                          FROM files f LEFT JOIN withdrawals w USING (file_id)
                          WHERE f.kind='report' AND f.period=? ORDER BY f.department, f.version""", [period]).df()


def files_with_sha(con: Connection, sha256_prefix: str) -> pd.DataFrame:
    """Stored files whose SHA-256 starts with ``sha256_prefix``, withdrawn ones flagged."""
    return con.execute("""SELECT f.file_id, f.sha256, f.original_name, f.kind, f.department, f.period, f.version,
                                 w.file_id IS NOT NULL AS withdrawn
                          FROM files f LEFT JOIN withdrawals w USING (file_id)
                          WHERE starts_with(f.sha256, ?) ORDER BY f.file_id""", [sha256_prefix.lower()]).df()


def withdrawals(con: Connection) -> pd.DataFrame:
    """Every withdrawal: file, SHA-256, who, when, why (a rebuild re-applies them by SHA-256)."""
    return con.execute("SELECT * FROM withdrawals ORDER BY withdrawn_at, file_id").df()


def report_periods(con: Connection) -> list[dt.date]:
    """Reporting dates that have at least one (not withdrawn) period report."""
    return [r[0] for r in con.execute(f"SELECT DISTINCT period FROM files WHERE kind='report' AND period IS NOT NULL "
                                      f"AND {live()} ORDER BY 1").fetchall()]
