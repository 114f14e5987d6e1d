"""The ledger's public surface: the views and macros an analyst may query (docs/architecture.md §12).

``latest_report_rows``, ``latest_findings``, ``plan_on(d)`` and ``project_status(d)`` are the stable
interface; the tables behind them may change. ``plan_on`` and ``project_status`` read figures the
library stores (``surface_plans``, ``surface_status``) together with the fingerprint of the set of live
files they were computed from (``surface_runs``): when the ledger has changed since, they stop with a
bilingual error instead of answering from stale figures. The figures themselves are computed in
``figures/status.py``; this module only stores and reads them.
"""
from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import duckdb

from alxa_lib.ledger.store import affects_period, connect, insert_frame, live, transaction
from alxa_lib.rules import RULES

if TYPE_CHECKING:
    import pandas as pd

SURFACE_VERSION = "2"  # raise it whenever VIEWS changes: writing connections then make them again
PUBLIC_NAMES = ("latest_report_rows", "latest_findings", "plan_on", "project_status")

# Every reported field of a period report row, in template order (the view's columns after the keys).
REPORTED_FIELDS = ("class", "nature", "total_investment", "annual_planned", "start_year", "end_year",
                   "annual_completed", "cumulative_completed", "status", "start_date", "expected_start",
                   "unstarted_reason", "proc_approval", "proc_planning", "proc_land", "proc_eia", "proc_energy",
                   "proc_water", "proc_design", "proc_tender", "proc_permit", "current_stage", "progress_text",
                   "progress_pct", "problems", "measures", "liaison", "phone")

STATUS_DDL = """CREATE TABLE IF NOT EXISTS surface_status (
    as_of DATE, project_id VARCHAR, name VARCHAR, department VARCHAR, nature VARCHAR, total_investment DOUBLE,
    annual_planned DOUBLE, started BOOLEAN, start_date DATE, status VARCHAR, light VARCHAR, reasons VARCHAR,
    spi DOUBLE, node_quarter VARCHAR, node_completion DOUBLE, annual_completed DOUBLE, cumulative_completed DOUBLE,
    progress_text VARCHAR, problems VARCHAR, report_period DATE, version INTEGER, file_id BIGINT)"""
RUNS_DDL = """CREATE TABLE IF NOT EXISTS surface_runs (year INTEGER, fingerprint UBIGINT, params VARCHAR,
    days DATE[], computed_at TIMESTAMP DEFAULT current_timestamp)"""
PLANS_DDL = """CREATE TABLE IF NOT EXISTS surface_plans AS
    SELECT NULL::INTEGER AS year, NULL::DATE AS valid_from, NULL::DATE AS valid_to, NULL::INTEGER AS position, *,
           NULL::VARCHAR AS township
    FROM plan_rows LIMIT 0"""
RULES_DDL = """CREATE OR REPLACE TABLE rule_catalog (rule VARCHAR, severity VARCHAR, article VARCHAR,
    message VARCHAR, fix VARCHAR)"""

# The live files the figures of year ``y`` can depend on: all but those known to belong to another year.
_LIVE_FILES = ("SELECT hash(list(file_id ORDER BY file_id)) FROM files WHERE {live} AND NOT coalesce(kind = 'report' "
               "AND year(period) IS DISTINCT FROM {y}, false) AND NOT coalesce(kind IN ('plan', 'schedule') "
               "AND plan_year <> {y}, false)")
_NO_YEAR = ("'台账中没有' || year(day) || '年的已存指标（该年无数据，或请运行 alxa validate --year ' || year(day) || "
            "'）/ no figures are stored for ' || year(day) || ' (no data for that year, or run alxa validate --year ' "
            "|| year(day) || ')'")
_STALE = ("'台账在指标计算后已变化，请运行 alxa validate --year ' || year(day) || ' 更新 / the ledger changed "
          "since its figures were stored: run alxa validate --year ' || year(day)")
_NOT_DUE = ("strftime(day, '%Y-%m-%d') || ' 不是报送截至日（project_status 只存截至日；任意日期请用 "
            "alxa_lib.project_status）/ ' || strftime(day, '%Y-%m-%d') || ' is not a reporting date "
            "(use alxa_lib.project_status for any day)'")
_STALE_FINDINGS = ("string_agg(strftime(n.period, '%Y-%m-%d'), '、' ORDER BY n.period) || ' 的校验结果不是最新的，"
                   "请运行 alxa validate --year ' || year(min(n.period)) || ' / the findings of ' || "
                   "string_agg(strftime(n.period, '%Y-%m-%d'), ', ' ORDER BY n.period) || ' are not current: "
                   "run alxa validate --year ' || year(min(n.period))")

_REPORT_COLS = ", ".join(f"r.{c}" for c in REPORTED_FIELDS)
VIEWS = f"""
CREATE OR REPLACE MACRO ledger_fingerprint(y) AS ({_LIVE_FILES.format(live=live(), y="y")});
CREATE OR REPLACE MACRO surface_checked(day, reporting_date) AS CASE
    WHEN NOT EXISTS (SELECT 1 FROM surface_runs WHERE year = year(day)) THEN error({_NO_YEAR})
    WHEN (SELECT max(fingerprint) FROM surface_runs WHERE year = year(day)) IS DISTINCT FROM ledger_fingerprint(year(day))
        THEN error({_STALE})
    WHEN reporting_date AND NOT list_contains((SELECT max(days) FROM surface_runs WHERE year = year(day)), day)
        THEN error({_NOT_DUE})
    ELSE true END;
CREATE OR REPLACE MACRO plan_on(d) AS TABLE
    WITH checked AS (SELECT surface_checked(CAST(d AS DATE), false) AS ok)  -- evaluated even when no row matches
    SELECT p.* EXCLUDE (year, valid_from, valid_to, position) FROM surface_plans p, checked
    WHERE CAST(d AS DATE) BETWEEN p.valid_from AND p.valid_to AND checked.ok
    ORDER BY p.position;
CREATE OR REPLACE MACRO project_status(d) AS TABLE
    WITH checked AS (SELECT surface_checked(CAST(d AS DATE), true) AS ok)
    SELECT s.* EXCLUDE (as_of) FROM surface_status s, checked
    WHERE s.as_of = CAST(d AS DATE) AND checked.ok
    ORDER BY s.project_id;
CREATE OR REPLACE VIEW latest_report_rows AS
WITH latest AS (
    SELECT f.period, f.department, r.project_id, r.name AS reported_name, {_REPORT_COLS},
           f.version, f.received, f.file_id, r.row_no, r.matched_by
    FROM report_rows r JOIN files f USING (file_id)
    WHERE f.kind = 'report' AND {live('f')} AND r.project_id IS NOT NULL
    QUALIFY f.version = max(f.version) OVER (PARTITION BY f.department, f.period)),
years AS (SELECT DISTINCT year(period) AS y FROM latest),
plan_file AS (
    SELECT y.y, f.file_id FROM years y JOIN files f ON f.kind = 'plan' AND (f.plan_year = y.y OR f.plan_year IS NULL)
    WHERE {live('f')}
    QUALIFY row_number() OVER (PARTITION BY y.y ORDER BY f.version DESC, f.file_id DESC) = 1),
plan_names AS (
    SELECT pf.y, p.project_id, first(p.name ORDER BY p.row_no) AS name
    FROM plan_file pf JOIN plan_rows p USING (file_id) GROUP BY ALL)
SELECT l.period, l.department, l.project_id, pn.name, l.* EXCLUDE (period, department, project_id)
FROM latest l LEFT JOIN plan_names pn ON pn.y = year(l.period) AND pn.project_id = l.project_id
QUALIFY row_number() OVER (PARTITION BY l.period, l.project_id
                           ORDER BY l.version DESC, l.row_no DESC, l.department DESC) = 1;
CREATE OR REPLACE VIEW latest_findings AS
WITH reports AS (SELECT file_id, department, period, version FROM files WHERE kind = 'report' AND {live()}),
latest AS (SELECT file_id FROM reports QUALIFY row_number() OVER (
    PARTITION BY department, period ORDER BY version DESC, file_id DESC) = 1),
fresh AS (SELECT v.period FROM validation_runs v WHERE NOT EXISTS (
    SELECT 1 FROM files f WHERE f.file_id > v.max_file_id AND {affects_period('f', 'v.period')})),
checked AS (  -- one row, evaluated whatever the query filters: never an answer without a stale period's findings
    SELECT CASE WHEN count(*) = 0 THEN true ELSE error({_STALE_FINDINGS}) END AS ok
    FROM (SELECT DISTINCT period FROM reports WHERE period NOT IN (SELECT period FROM fresh)) n)
SELECT fi.period, fi.department, fi.project_id, fi.rule, fi.severity, c.article, fi.field, fi.sheet, fi.cell,
       fi.message, fi.file_id, f.version, f.original_name
FROM findings fi LEFT JOIN rule_catalog c USING (rule) LEFT JOIN files f USING (file_id), checked
WHERE checked.ok AND fi.stage = 'validate' AND fi.period IN (SELECT period FROM fresh)
  AND (fi.file_id IS NULL OR fi.file_id NOT IN (SELECT file_id FROM reports) OR fi.file_id IN (SELECT file_id FROM latest));
"""


def _key() -> str:
    """The surface's version and the rule catalog it holds: when either changes, the views are made again."""
    rules = "\n".join(f"{r.code}\t{r.severity}\t{r.article}\t{r.message}\t{r.fix}" for r in RULES.values())
    return f"{SURFACE_VERSION}:{hashlib.sha256(rules.encode()).hexdigest()[:16]}"


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or bring up to date) the public surface of a ledger opened for writing."""
    key = _key()
    row = con.execute("SELECT value FROM ledger_info WHERE key = 'surface'").fetchone()
    con.execute(f"{STATUS_DDL}; {RUNS_DDL}; {PLANS_DDL}")
    if row is not None and row[0] == key:
        return
    import pandas as pd
    with transaction(con):
        con.execute(RULES_DDL)
        insert_frame(con, "rule_catalog", pd.DataFrame(
            [(r.code, r.severity, r.article, r.message, r.fix) for r in RULES.values()],
            columns=["rule", "severity", "article", "message", "fix"]))
        con.execute(VIEWS)
        con.execute("DELETE FROM ledger_info WHERE key = 'surface'")
        con.execute("INSERT INTO ledger_info VALUES ('surface', ?)", [key])


def fingerprint(con: duckdb.DuckDBPyConnection, year: int) -> int:
    """The fingerprint of the set of live (not withdrawn) files the figures of ``year`` can depend on: the
    stored figures are a function of it (and of the parameters)."""
    return int(con.execute("SELECT ledger_fingerprint(?)", [year]).fetchone()[0])


def runs(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, str]]:
    """Year → (fingerprint, parameters key) of the figures stored for it ({} on a ledger without a surface)."""
    try:
        rows = con.execute("SELECT year, fingerprint, params FROM surface_runs").fetchall()
    except duckdb.CatalogException:
        return {}
    return {int(y): (int(f), p) for y, f, p in rows}


def store(con: duckdb.DuckDBPyConnection, year: int, status: pd.DataFrame, plans: pd.DataFrame,
          days: list, fingerprint_: int, params_key: str) -> None:
    """Replace the stored figures of ``year`` (derived data: ingested rows are untouched), all or nothing."""
    with transaction(con):
        con.execute("DELETE FROM surface_status WHERE year(as_of) = ?", [year])
        con.execute("DELETE FROM surface_plans WHERE year = ?", [year])
        con.execute("DELETE FROM surface_runs WHERE year = ?", [year])
        insert_frame(con, "surface_status", status)
        insert_frame(con, "surface_plans", plans)
        con.execute("INSERT INTO surface_runs (year, fingerprint, params, days) VALUES (?, ?, ?, ?)",
                    [year, fingerprint_, params_key, list(days)])


def stored_status(con: duckdb.DuckDBPyConnection, day, params_key: str) -> pd.DataFrame | None:
    """The stored ``project_status`` of ``day`` while it is current (same live files, same parameters, a
    stored day), else None."""
    run = runs(con).get(day.year)
    if run is None or run != (fingerprint(con, day.year), params_key):
        return None
    if not con.execute("SELECT list_contains(days, ?) FROM surface_runs WHERE year = ?", [day, day.year]).fetchone()[0]:
        return None
    return con.execute("SELECT * FROM project_status(?)", [day]).df()


@contextlib.contextmanager
def reading(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for the length of a ``with`` block (``alxa_lib.open_ledger``)."""
    con = connect(path, read_only=True)
    try:
        yield con
    finally:
        con.close()
