"""Validation: every rule of shared/domain.md §4 as a pure check over DataFrames, declared in a registry.

A check takes a :class:`PeriodContext` (one department's report version for a period, with the plan
in force, the previous report, earlier completions and the registers) and returns findings. Adding a
rule is one entry in ``ROW_CHECKS``/``REPORT_CHECKS`` plus its test. The codes and severities come
from ``alxa_lib.rules.RULES``.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from . import calendar as cal
from . import ledger, params
from .plan import latest_register, plan_in_force
from .rules import FINDING_COLUMNS, finding
from .vocab import REPORT_FIELDS, STARTED_STATUSES

ACTIVE_STARTED = {"已开工", "已复工", "停工"}
LOCKED = ("total_investment", "annual_planned", "years")


def _none(v):
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def _r2(v) -> float | None:
    v = _none(v)
    return None if v is None else round(float(v), 2)


@dataclass
class PeriodContext:
    """Everything the checks of one report version need; built from the ledger, then pure."""
    department: str
    period: dt.date
    file: dict  # the files row of this version
    rows: list[dict]  # this version's report rows
    plan: pd.DataFrame  # the plan in force on the period, this department
    previous: dict[str, dict] = field(default_factory=dict)  # project -> row of the latest earlier report
    completed_before: dict[str, dt.date] = field(default_factory=dict)  # project -> period first reported 已完工
    liaison: str | None = None
    col_refs: dict[str, str] = field(default_factory=dict)
    previous_version_changes: pd.DataFrame | None = None
    previous_version_error_cells: set = field(default_factory=set)

    def cell(self, row: dict, fld: str) -> str | None:
        col = self.col_refs.get(fld)
        return f"{col}{row['row_no']}" if col and row.get("row_no") is not None else None

    def make(self, code: str, row: dict | None = None, fld: str | None = None, **details) -> dict:
        return finding(code, department=self.department, period=self.period,
                       project_id=(row or {}).get("project_id"), field=fld,
                       sheet=self.file.get("sheet"), cell=self.cell(row, fld) if row and fld else None, **details)

    def row_class(self, row: dict) -> str:
        if row.get("class") in ("KC", "MP"):
            return row["class"]
        match = self.plan[self.plan["project_id"] == row.get("project_id")]
        return match["class"].iloc[0] if not match.empty else "KC"

    def unreadable(self, row: dict) -> set[str]:
        raw = row.get("raw")
        return set(json.loads(raw)) if raw else set()


# ---------------------------------------------------------------- row checks
def check_required(ctx: PeriodContext, row: dict) -> list[dict]:
    req = params.load("ingest")["required_fields"]
    fields = req["report_kc"] if ctx.row_class(row) == "KC" else req["report_mp"]
    out = []
    for f in fields:
        if f == "project_ref":
            if not row.get("name") and not row.get("project_id"):
                out.append(ctx.make("REQUIRED_MISSING", row, "name", label="项目名称或项目编号"))
        elif _none(row.get(f)) is None and f not in ctx.unreadable(row):
            out.append(ctx.make("REQUIRED_MISSING", row, f, label=REPORT_FIELDS[f][0]))
    return out


def check_unstarted_reason(ctx, row):
    if ctx.row_class(row) != "KC" or row.get("status") != "未开工":
        return []
    missing = [f for f in ("unstarted_reason", "expected_start") if _none(row.get(f)) is None
               and f not in ctx.unreadable(row)]
    if not missing:
        return []
    label = "、".join({"unstarted_reason": "未开（复）工原因", "expected_start": "预计开（复）工日期"}[m] for m in missing)
    return [ctx.make("UNSTARTED_NO_REASON", row, missing[0], missing=label)]


def check_started_no_date(ctx, row):
    if ctx.row_class(row) == "KC" and row.get("status") in STARTED_STATUSES and _none(row.get("start_date")) is None \
            and "start_date" not in ctx.unreadable(row):
        return [ctx.make("STARTED_NO_DATE", row, "start_date", value=row.get("status"))]
    return []


def check_progress_text(ctx, row):
    if ctx.row_class(row) == "KC" and row.get("status") in ACTIVE_STARTED and not row.get("progress_text") \
            and _none(row.get("progress_pct")) is None and "progress_pct" not in ctx.unreadable(row):
        return [ctx.make("NO_PROGRESS_TEXT", row, "progress_text")]
    return []


def check_cumulative(ctx, row):
    annual, cum = _r2(row.get("annual_completed")), _r2(row.get("cumulative_completed"))
    out = []
    if annual is not None and cum is not None and cum < annual:
        out.append(ctx.make("CUMULATIVE_LT_ANNUAL", row, "cumulative_completed", cumulative=cum, annual=annual))
    plan = ctx.plan[ctx.plan["project_id"] == row.get("project_id")]
    total = _r2(plan["total_investment"].iloc[0]) if not plan.empty else _r2(row.get("total_investment"))
    if cum is not None and total is not None and cum > total:
        out.append(ctx.make("CUMULATIVE_GT_TOTAL", row, "cumulative_completed", cumulative=cum, total=total))
    return out


def check_percent(ctx, row):
    pct = _none(row.get("progress_pct"))
    if pct is not None and not (0 <= float(pct) <= 100):
        return [ctx.make("PERCENT_OUT_OF_RANGE", row, "progress_pct", value=pct)]
    return []


def check_dates(ctx, row):
    year, out = ctx.period.year, []
    start = _none(row.get("start_date"))
    if start is not None and row.get("status") in ("已开工", "已复工", "已完工"):
        if start.year != year:
            out.append(ctx.make("DATE_OUT_OF_RANGE", row, "start_date", label="开（复）工日期", value=start,
                                why=f"不在{year}年内"))
        elif start > ctx.period:
            out.append(ctx.make("DATE_OUT_OF_RANGE", row, "start_date", label="开（复）工日期", value=start,
                                why=f"晚于报表截至日{ctx.period}"))
    expected = _none(row.get("expected_start"))
    if expected is not None and expected.year < year:
        out.append(ctx.make("DATE_OUT_OF_RANGE", row, "expected_start", label="预计开（复）工日期", value=expected,
                            why=f"早于{year}年"))
    return out


def check_decrease(ctx, row):
    prev = ctx.previous.get(row.get("project_id"))
    if not prev:
        return []
    out = []
    for f, label in (("annual_completed", "本年完成投资"), ("cumulative_completed", "累计完成投资")):
        a, b = _r2(prev.get(f)), _r2(row.get(f))
        if a is not None and b is not None and b < a:
            out.append(ctx.make("INVESTMENT_DECREASED", row, f, label=label, previous=a, value=b))
    return out


def check_status_regressed(ctx, row):
    prev = ctx.previous.get(row.get("project_id"))
    if not prev or not prev.get("status") or not row.get("status"):
        return []
    before, now = prev["status"], row["status"]
    if (before in STARTED_STATUSES and now == "未开工") or (before == "已完工" and now != "已完工"):
        return [ctx.make("STATUS_REGRESSED", row, "status", previous=before, value=now)]
    return []


def check_completed_reported(ctx, row):
    done = ctx.completed_before.get(row.get("project_id"))
    if done is not None and done < ctx.period:
        return [ctx.make("COMPLETED_STILL_REPORTED", row, "status", completed_period=done)]
    return []


def check_locked(ctx, row):
    plan = ctx.plan[ctx.plan["project_id"] == row.get("project_id")]
    if plan.empty:
        return []
    p = plan.iloc[0]
    out = []
    for f in ("total_investment", "annual_planned"):
        a, b = _r2(p[f]), _r2(row.get(f))
        if a is not None and b is not None and a != b:
            out.append(ctx.make("LOCKED_INDICATOR_CHANGED", row, f, label=REPORT_FIELDS[f][0], value=b, expected=a))
    py = (_none(p.get("start_year")), _none(p.get("end_year")))
    ry = (_none(row.get("start_year")), _none(row.get("end_year")))
    if None not in py and None not in ry and tuple(map(int, py)) != tuple(map(int, ry)):
        out.append(ctx.make("LOCKED_INDICATOR_CHANGED", row, "years", label="建设年限", value=f"{ry[0]}-{ry[1]}",
                            expected=f"{int(py[0])}-{int(py[1])}"))
    return out


ROW_CHECKS: dict[str, Callable[[PeriodContext, dict], list[dict]]] = {
    "REQUIRED_MISSING": check_required,
    "UNSTARTED_NO_REASON": check_unstarted_reason,
    "STARTED_NO_DATE": check_started_no_date,
    "NO_PROGRESS_TEXT": check_progress_text,
    "CUMULATIVE_LT_ANNUAL/GT_TOTAL": check_cumulative,
    "PERCENT_OUT_OF_RANGE": check_percent,
    "DATE_OUT_OF_RANGE": check_dates,
    "INVESTMENT_DECREASED": check_decrease,
    "STATUS_REGRESSED": check_status_regressed,
    "COMPLETED_STILL_REPORTED": check_completed_reported,
    "LOCKED_INDICATOR_CHANGED": check_locked,
}


# ---------------------------------------------------------------- report-level checks
def check_project_missing(ctx: PeriodContext) -> list[dict]:
    reported = {r.get("project_id") for r in ctx.rows}
    out = []
    for p in ctx.plan.to_dict("records"):
        pid = p["project_id"]
        if pid in reported or pid in ctx.completed_before:
            continue
        out.append(finding("PROJECT_MISSING", department=ctx.department, period=ctx.period, project_id=pid,
                           name=p["name"]))
    return out


def check_modified(ctx: PeriodContext) -> list[dict]:
    changes = ctx.previous_version_changes
    if changes is None or changes.empty:
        return []
    out, seen = [], set()
    for c in changes.to_dict("records"):
        f = {"start_year": "years", "end_year": "years"}.get(c["field"], c["field"])
        if (c["project_id"], f) in seen or c["cell"] in ctx.previous_version_error_cells:
            continue
        seen.add((c["project_id"], f))
        label = REPORT_FIELDS.get(f, [f])[0]
        out.append(finding("MODIFIED_AFTER_SUBMISSION", department=ctx.department, period=ctx.period,
                           project_id=c["project_id"], field=f, sheet=ctx.file.get("sheet"), cell=c["cell"],
                           label=label, previous=_none(c["previous"]), value=_none(c["value"])))
    return out


def check_signed(ctx: PeriodContext) -> list[dict]:
    if ctx.file.get("signed"):
        return []
    return [finding("NOT_SIGNED", department=ctx.department, period=ctx.period, field="signed",
                    sheet=ctx.file.get("sheet"), cell=ctx.file.get("signed_cell"))]


def check_liaison(ctx: PeriodContext) -> list[dict]:
    if not ctx.liaison:
        return []
    for r in ctx.rows:
        name = (r.get("liaison") or "").strip()
        if name and name != ctx.liaison:
            return [ctx.make("LIAISON_CHANGED", {"row_no": r["row_no"]}, "liaison", value=name, expected=ctx.liaison)]
    return []


REPORT_CHECKS: dict[str, Callable[[PeriodContext], list[dict]]] = {
    "PROJECT_MISSING": check_project_missing,
    "MODIFIED_AFTER_SUBMISSION": check_modified,
    "NOT_SIGNED": check_signed,
    "LIAISON_CHANGED": check_liaison,
}


def check_report(ctx: PeriodContext) -> list[dict]:
    """All row and report checks for one report version (pure)."""
    out: list[dict] = []
    for r in ctx.rows:
        if r.get("project_id") is None and not r.get("name"):
            out += check_required(ctx, r)
            continue
        for check in ROW_CHECKS.values():
            if r.get("project_id") is None and check is not check_required:
                continue  # unmatched rows are PROJECT_UNKNOWN already
            out += check(ctx, r)
    for check in REPORT_CHECKS.values():
        out += check(ctx)
    return out


# ---------------------------------------------------------------- timeliness
def timeliness(files: pd.DataFrame, due_departments: Iterable[str], period: dt.date) -> list[dict]:
    """LATE_REPORT / MISSING_REPORT from the first version's received date (domain §9.2)."""
    nxt = cal.next_period(period)
    out = []
    for dept in sorted(due_departments):
        mine = files[(files["department"] == dept)].sort_values(["version", "file_id"])
        if mine.empty:
            out.append(finding("MISSING_REPORT", department=dept, period=period, due=period, next_due=nxt))
            continue
        received = _none(mine["received"].iloc[0])
        if received is None or received <= period:
            continue
        if received <= nxt:
            out.append(finding("LATE_REPORT", department=dept, period=period, received=received, due=period))
        else:
            out.append(finding("MISSING_REPORT", department=dept, period=period, due=period, next_due=nxt))
    return out


# ---------------------------------------------------------------- from the ledger
def _rows(con, file_id: int) -> list[dict]:
    df = con.execute("SELECT * FROM report_rows WHERE file_id = ? ORDER BY row_no", [file_id]).df()
    return [{k: _none(v) for k, v in r.items()} for r in df.to_dict("records")]


def _latest_rows_before(con, department: str, period: dt.date) -> dict[str, dict]:
    row = con.execute("""SELECT file_id FROM files WHERE kind='report' AND department=? AND period < ?
                         AND year(period) = ? ORDER BY period DESC, version DESC LIMIT 1""",
                      [department, period, period.year]).fetchone()
    return {r["project_id"]: r for r in _rows(con, row[0]) if r.get("project_id")} if row else {}


def _completed_before(con, department: str, period: dt.date) -> dict[str, dt.date]:
    df = con.execute("""SELECT r.project_id, min(f.period) AS p FROM report_rows r JOIN files f USING (file_id)
                        WHERE f.kind='report' AND f.department=? AND f.period < ? AND year(f.period) = ?
                        AND r.status='已完工' AND r.project_id IS NOT NULL GROUP BY 1""",
                     [department, period, period.year]).df()
    return {r["project_id"]: _none(r["p"]) for r in df.to_dict("records")}


def validate_period(con, period: dt.date) -> pd.DataFrame:
    """Findings of every report version of ``period`` (reader findings included) plus timeliness,
    start-report and schedule findings received in the period. Columns: file_id + FINDING_COLUMNS."""
    plan = plan_in_force(con, period)
    liaisons = latest_register(con, "reg_liaisons")
    registered = {}  # the liaison registered as of the period (a later registration does not reach back)
    if not liaisons.empty:
        for r in liaisons.sort_values("registered_date", na_position="first").to_dict("records"):
            when = _none(r.get("registered_date"))
            if when is None or when <= period:
                registered[r["unit"]] = r["name"]
    files = con.execute("SELECT * FROM files WHERE kind='report' AND period=? ORDER BY department, version",
                        [period]).df()
    out: list[dict] = []
    for f in files.to_dict("records"):
        meta = json.loads(f["meta"] or "{}")
        file_info = {**f, "sheet": meta.get("sheet"), "signed_cell": meta.get("signed_cell")}
        dept = f["department"]
        changes, error_cells = None, set()
        if f["version"] > 1:
            changes = ledger.version_changes(con, int(f["file_id"]))
            if not changes.empty:
                prev_id = int(changes["previous_file_id"].iloc[0])
                error_cells = {c for (c,) in con.execute(
                    "SELECT cell FROM findings WHERE file_id=? AND severity='error' AND cell IS NOT NULL",
                    [prev_id]).fetchall()}
        ctx = PeriodContext(dept, period, file_info, _rows(con, int(f["file_id"])), plan[plan["department"] == dept],
                            previous=_latest_rows_before(con, dept, period),
                            completed_before=_completed_before(con, dept, period),
                            liaison=registered.get(dept),
                            col_refs=json.loads(f["col_refs"] or "{}").get("report_rows", {}),
                            previous_version_changes=changes, previous_version_error_cells=error_cells)
        found = check_report(ctx)
        reader = con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings WHERE file_id=? AND stage='ingest'",
                             [int(f["file_id"])]).df()
        for r in reader.to_dict("records") + found:
            r = {k: _none(r.get(k)) for k in FINDING_COLUMNS}
            r["period"] = period.isoformat()
            r["file_id"] = int(f["file_id"])
            out.append(r)
    due = set(plan["department"].dropna())
    first = files.sort_values("version").drop_duplicates("department") if not files.empty else files
    for r in timeliness(first if not first.empty else files, due, period):
        r["file_id"] = None
        out.append(r)
    out += _start_and_schedule_findings(con, period)
    df = pd.DataFrame(out, columns=["file_id", *FINDING_COLUMNS])
    return df


def _start_and_schedule_findings(con, period: dt.date) -> list[dict]:
    """Start reports and schedules are attached to the period in which they were received."""
    prev = [p for p in cal.periods(period.year) if p < period]
    lo = prev[-1] if prev else dt.date(period.year - 1, 12, 28)
    cfg = params.load("monitoring")
    out = []
    starts = con.execute("""SELECT f.file_id, f.department, f.received, f.report_date, f.col_refs, f.meta, s.*
                            FROM start_rows s JOIN files f USING (file_id) WHERE f.received > ? AND f.received <= ?""",
                         [lo, period]).df()
    for s in starts.to_dict("records"):
        reported = _none(s["received"]) or _none(s["report_date"])  # §9.2: the received date, for every kind
        start = _none(s["start_date"])
        if start and reported and reported > start:
            col = json.loads(s["col_refs"] or "{}").get("start_rows", {}).get("start_date")
            out.append({**finding("START_REPORT_LATE", department=s["department"], period=period,
                                  project_id=s["project_id"], field="start_date",
                                  sheet=json.loads(s["meta"] or "{}").get("sheet"),
                                  cell=f"{col}{s['row_no']}" if col else None, start_date=start, reported=reported),
                        "file_id": int(s["file_id"])})
    scheds = con.execute("SELECT * FROM files WHERE kind='schedule' AND received > ? AND received <= ?",
                         [lo, period]).df()
    for f in scheds.to_dict("records"):
        received, year = _none(f["received"]), int(f["plan_year"] or period.year)
        if f["version_label"] == "original" and received > cal.mmdd(year, cfg["schedule_due"]):
            out.append({**finding("SCHEDULE_LATE", department=f["department"], period=period, received=received,
                                  due=cal.mmdd(year, cfg["schedule_due"])), "file_id": int(f["file_id"])})
        if f["version_label"] == "calibrated":
            start, end = (cal.mmdd(year, d) for d in cfg["calibration_window"])
            if not (start <= received <= end):
                out.append({**finding("CALIBRATION_OUTSIDE_WINDOW", department=f["department"], period=period,
                                      received=received, start=start, end=end), "file_id": int(f["file_id"])})
    return out


def latest_only(findings: pd.DataFrame, con) -> pd.DataFrame:
    """Keep the findings of the latest version of each department (what the return list is about)."""
    if findings.empty:
        return findings
    ids = findings["file_id"].dropna().astype(int).unique().tolist()
    if not ids:
        return findings
    vers = con.execute(f"SELECT file_id, kind, department, period, version FROM files WHERE file_id IN "
                       f"({', '.join(map(str, ids))})").df()
    rep = vers[vers.kind == "report"]
    latest = set(rep.sort_values("version").drop_duplicates(["department", "period"], keep="last").file_id)
    keep = findings["file_id"].isna() | ~findings["file_id"].isin(rep.file_id) | findings["file_id"].isin(latest)
    return findings[keep].reset_index(drop=True)


def store_findings(con, period: dt.date, findings: pd.DataFrame) -> None:
    """Replace the stored validation findings of ``period`` (derived data; ingested rows are untouched)."""
    with ledger.transaction(con):
        con.execute("DELETE FROM findings WHERE stage='validate' AND period=?", [period])
        df = findings[findings["rule"].notna()].copy()
        df["stage"] = "validate"
        ledger.insert_frame(con, "findings", df)
        con.execute("DELETE FROM validation_runs WHERE period=?", [period])
        con.execute("INSERT INTO validation_runs (period, max_file_id) SELECT ?, coalesce(max(file_id), 0) FROM files",
                    [period])


def period_findings(con, period: dt.date) -> pd.DataFrame:
    """The validation findings of ``period``: the stored ones when no file was ingested since they were
    computed, else computed now (read-only connections can use this)."""
    try:
        fresh = con.execute("""SELECT 1 FROM validation_runs v WHERE v.period = ? AND v.max_file_id =
                               (SELECT coalesce(max(file_id), 0) FROM files)""", [period]).fetchone()
    except Exception:  # noqa: BLE001 - a ledger from before validation_runs existed
        fresh = None
    if fresh:
        df = con.execute(f"SELECT file_id, {', '.join(FINDING_COLUMNS)} FROM findings WHERE stage='validate' "
                         f"AND period = ?", [period]).df()
        df["period"] = period.isoformat()
        return df
    return validate_period(con, period)
