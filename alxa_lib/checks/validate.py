"""Validation of a period: every rule of docs/measures.md §4, run over what the ledger holds.

The rules themselves are pure checks declared in registries (``row_rules.ROW_CHECKS``,
``report_rules.REPORT_CHECKS``); this module gathers each report version's context through
``ledger.queries``, runs them, adds timeliness, start-report and schedule findings, and reads or
stores the findings of a period.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Iterable

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.checks.context import PeriodContext
from alxa_lib.checks.inspection_rules import mismatches
from alxa_lib.checks.report_rules import check_report
from alxa_lib.ledger import inspections, queries
from alxa_lib.rules import FINDING_COLUMNS, finding
from alxa_lib.values import clean


# ---------------------------------------------------------------- timeliness
def timeliness(files: pd.DataFrame, due_departments: Iterable[str], period: dt.date) -> list[dict]:
    """LATE_REPORT / MISSING_REPORT from the first version's received date (docs/measures.md §9.2)."""
    nxt = cal.next_period(period)
    first = files.sort_values(["version", "file_id"]).drop_duplicates("department").set_index("department")["received"]
    out = []
    for dept in sorted(due_departments):
        if dept not in first.index:
            out.append(finding("MISSING_REPORT", department=dept, period=period, due=period, next_due=nxt))
            continue
        received = clean(first[dept])
        if received is None or received <= period:
            continue
        if received <= nxt:
            out.append(finding("LATE_REPORT", department=dept, period=period, received=received, due=period))
        else:
            out.append(finding("MISSING_REPORT", department=dept, period=period, due=period, next_due=nxt))
    return out


def validate_period(con, period: dt.date) -> pd.DataFrame:
    """Findings of every report version of ``period`` (reader findings included) plus timeliness,
    start-report and schedule findings received in the period. Columns: file_id + FINDING_COLUMNS."""
    plan = queries.plan_in_force(con, period)
    liaisons = queries.latest_register(con, "reg_liaisons")
    registered = {}  # the liaison registered as of the period (a later registration does not reach back)
    if not liaisons.empty:
        for r in liaisons.sort_values("registered_date", na_position="first").to_dict("records"):
            when = clean(r.get("registered_date"))
            if when is None or when <= period:
                registered[r["unit"]] = r["name"]
    files = queries.report_files(con, period)
    out: list[dict] = []
    run_errors: dict[int, set[str]] = {}  # error cells found in this run, per version (§10.19)
    # what every version needs, read once for the period (not one round of queries per file)
    rows_of, previous_of = queries.period_report_rows(con, period), queries.latest_rows_before_all(con, period)
    completed_of = queries.completed_before_all(con, period)
    reader_of = queries.reader_findings_of(con, files["file_id"].tolist())
    plan_by_dept: dict[str, list[dict]] = {}
    for r in plan.to_dict("records"):
        plan_by_dept.setdefault(r["department"], []).append(r)
    for f in files.to_dict("records"):
        meta = json.loads(f["meta"] or "{}")
        file_info = {**f, "sheet": meta.get("sheet"), "signed_cell": meta.get("signed_cell")}
        dept = f["department"]
        changes, error_cells = None, set()
        if f["version"] > 1:
            changes = queries.version_changes(con, int(f["file_id"]))
            if not changes.empty:
                prev_id = int(changes["previous_file_id"].iloc[0])
                error_cells = queries.error_cells(con, prev_id) | run_errors.get(prev_id, set())
        ctx = PeriodContext(dept, period, file_info, rows_of.get(int(f["file_id"]), []), plan[plan["department"] == dept],
                            previous=previous_of.get(dept, {}), completed_before=completed_of.get(dept, {}),
                            liaison=registered.get(dept),
                            col_refs=json.loads(f["col_refs"] or "{}").get("report_rows", {}),
                            previous_version_changes=changes, previous_version_error_cells=error_cells,
                            plan_records=plan_by_dept.get(dept, []))
        found = check_report(ctx)
        run_errors[int(f["file_id"])] = {r["cell"] for r in found if r.get("severity") == "error" and r.get("cell")}
        for r in reader_of.get(int(f["file_id"]), []) + found:
            r = {k: clean(r.get(k)) for k in FINDING_COLUMNS}
            r["period"] = period.isoformat()
            r["file_id"] = int(f["file_id"])
            out.append(r)
    due = set(plan["department"].dropna())
    first = files.sort_values("version").drop_duplicates("department") if not files.empty else files
    for r in timeliness(first if not first.empty else files, due, period):
        r["file_id"] = None
        out.append(r)
    out += _start_and_schedule_findings(con, period)
    out += _inspection_findings(con, period, files, rows_of)
    df = pd.DataFrame(out, columns=["file_id", *FINDING_COLUMNS])
    return df


def _inspection_findings(con, period: dt.date, files: pd.DataFrame, rows_of: dict[int, list[dict]]) -> list[dict]:
    """INSPECTION_MISMATCH of the period's inspection records against the latest version of each department's
    report (docs/measures.md §12.3), each on the record file that found it."""
    records = inspections.inspection_records(con, period.year, period)
    if records.empty or files.empty:
        return []
    latest = files.sort_values(["version", "file_id"]).drop_duplicates("department", keep="last")
    reported = {r["project_id"]: {**r, "department": f["department"], "period": period}
                for f in latest.to_dict("records") for r in rows_of.get(int(f["file_id"]), []) if r.get("project_id")}
    out = []
    for fid, recs in records.groupby("file_id"):
        for r in mismatches(recs, reported):
            r = {k: clean(r.get(k)) for k in FINDING_COLUMNS}
            r["period"], r["file_id"] = period.isoformat(), int(fid)
            out.append(r)
    return out


def _start_and_schedule_findings(con, period: dt.date) -> list[dict]:
    """Start reports and schedules are attached to the period in which they were received."""
    prev = [p for p in cal.periods(period.year) if p < period]
    lo = prev[-1] if prev else cal.periods(period.year - 1)[-1]  # the last due date of the year before
    cfg = params.load("monitoring")
    out = []
    starts = queries.start_rows_received(con, lo, period)
    for s in starts.to_dict("records"):
        reported = clean(s["received"]) or clean(s["report_date"])  # §9.2: the received date, for every kind
        start = clean(s["start_date"])
        if start and reported and reported > start:
            col = json.loads(s["col_refs"] or "{}").get("start_rows", {}).get("start_date")
            out.append({**finding("START_REPORT_LATE", department=s["department"], period=period,
                                  project_id=s["project_id"], field="start_date",
                                  sheet=json.loads(s["meta"] or "{}").get("sheet"),
                                  cell=f"{col}{s['row_no']}" if col else None, start_date=start, reported=reported),
                        "file_id": int(s["file_id"])})
    scheds = queries.schedule_files_received(con, lo, period)
    for f in scheds.to_dict("records"):
        received, year = clean(f["received"]), int(f["plan_year"] or period.year)
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
    vers = queries.file_versions(con, ids)
    rep = vers[vers.kind == "report"]
    latest = set(rep.sort_values("version").drop_duplicates(["department", "period"], keep="last").file_id)
    keep = findings["file_id"].isna() | ~findings["file_id"].isin(rep.file_id) | findings["file_id"].isin(latest)
    return findings[keep].reset_index(drop=True)


def validate_year(con, year: int, progress: bool = False, force: bool = False) -> int:
    """Validate and store every period of ``year`` whose stored findings are stale (all of them with
    ``force``), in one process and one connection; returns the number of findings of the year."""
    from alxa_lib import ledger
    days = cal.periods(year)
    if progress:
        from tqdm import tqdm
        days = tqdm(days, desc="校验 validating", unit="期", file=sys.stderr)
    total = 0
    for due in days:
        findings = None if force else queries.stored_findings(con, due)
        if findings is None:
            findings = validate_period(con, due)
            ledger.store_findings(con, due, findings)
        total += len(findings)
    return total


def period_findings(con, period: dt.date) -> pd.DataFrame:
    """The validation findings of ``period``: the stored ones when no file was ingested since they were
    computed, else computed now (read-only connections can use this)."""
    stored = queries.stored_findings(con, period)
    return stored if stored is not None else validate_period(con, period)
