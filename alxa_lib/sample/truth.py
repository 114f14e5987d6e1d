"""The ground truth of the sample year and ``write_sample``, the public entry point.

``write_sample(dir, year, seed, scale)`` lays out what the DRC receives in a year (plan, reverse schedules,
half-monthly reports with ``_received.csv`` manifests, start reports, the registers workbook) and
``truth.json``: every injected defect (file, sheet, cell, rule code) and the true figures.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from alxa_lib.files import write_text
from alxa_lib.sample.banner import write_params
from alxa_lib.sample.defects import apply_defects, apply_tolerances
from alxa_lib.sample.habits import plant_habits, write_inspections
from alxa_lib.sample.story import SampleYear, build_reports, start_report_rows
from alxa_lib.sample.world import ReportFile
from alxa_lib.sample.writers_registers import write_plan, write_registers, write_schedules, write_start_reports
from alxa_lib.sample.writers_reports import write_manifest, write_rejects, write_report
from alxa_lib.vocab import STARTED_STATUSES

TRUTH_ROW_FIELDS = ("status", "start_date", "expected_start", "annual_completed", "cumulative_completed", "class")
TRUTH_DEFECT_FIELDS = ("rule", "file", "sheet", "cell", "department", "period", "project_id", "field")


def sample_year(year: int = 2025, seed: int = 7, scale: int = 1, habits: bool = False,
                stress: str | None = None) -> SampleYear:
    """The year's story with its period reports built, tolerances and defects applied (not yet written);
    with ``habits``, three departments' dishonest reporting habits planted first (``sample.habits``); with
    ``stress``, a stress world for the forecast's backtest."""
    s = SampleYear(year, seed, scale, stress)
    build_reports(s)
    s.habits = plant_habits(s) if habits else None
    apply_tolerances(s)
    apply_defects(s)
    return s


def oracle_figures(s: SampleYear) -> dict[str, Any]:
    """Figures as the rules of docs/measures.md §3/§9 yield them from the files as delivered."""
    y = s.year
    starts: dict[str, dt.date] = {}
    for r in start_report_rows(s):
        starts[r["project_id"]] = min(r["start_date"], starts.get(r["project_id"], r["start_date"]))
    by_dept_reports: dict[str, list[ReportFile]] = {}
    for rf in s.reports:
        by_dept_reports.setdefault(rf.department, []).append(rf)
    kcs_of: dict[str, list] = {d: [] for d in s.banner.names}
    for p in s.projects:
        if p.cls == "KC":
            kcs_of[p.department].append(p)
    out: dict[str, Any] = {}
    for due in s.periods:
        dept_fig: dict[str, dict] = {}
        annual: dict[str, float] = {}
        for dept in s.banner.names:
            plan = [p for p in kcs_of[dept] if s.in_plan(p, due)]
            reports = sorted((r for r in by_dept_reports.get(dept, []) if r.period <= due),
                             key=lambda r: (r.period, r.version))
            latest_rows: dict[str, dict] = {}
            for r in reports:  # later reports override; absent projects carry forward
                for row in r.rows:
                    if row.get("project_id") and not row.get("_unknown"):
                        latest_rows[row["project_id"]] = row
            started = 0
            for p in plan:
                row = latest_rows.get(p.pid)
                ok = False
                if row and row.get("status") in STARTED_STATUSES:
                    sd = row.get("start_date")
                    ok = sd is not None and sd.year == y and sd <= due
                if p.pid in starts and starts[p.pid] <= due:
                    ok = True
                started += ok
                annual[p.pid] = float((row or {}).get("annual_completed") or 0.0)
            if plan:
                dept_fig[dept] = {"started": started, "total": len(plan)}
        out[due.isoformat()] = {
            "started": sum(v["started"] for v in dept_fig.values()),
            "total": sum(v["total"] for v in dept_fig.values()),
            "by_department": dept_fig,
            "annual_completed": annual,
        }
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _report_truth(rf: ReportFile) -> dict[str, Any]:
    """What truth.json records of one written report: its key values per project."""
    return {
        "kind": "report", "department": rf.department, "period": rf.period.isoformat(),
        "received": rf.received.isoformat(), "version": rf.version,
        "rows": {r["project_id"]: {k: _jsonable(r.get(k)) for k in TRUTH_ROW_FIELDS}
                 for r in rf.rows if r.get("project_id") and not r.get("_unknown")},
    }


def _story_truth(s: SampleYear) -> dict[str, Any]:
    projects = s.projects
    return {"lagging_departments": list(s.banner.lagging),
            "never_started": [p.pid for p in projects if p.cls == "KC" and not p.actual_start],
            "stopped": [p.pid for p in projects if p.stop_on],
            "stalled": [p.pid for p in projects if p.stall],
            "completed": [p.pid for p in projects if p.completed_on],
            # started 30+ days after the planned date, or never: what an investigation should rank first
            "late": [p.pid for p in projects if p.cls == "KC" and s.in_plan(p, dt.date(s.year, 12, 31))
                     and (p.actual_start is None or (p.actual_start - p.planned_start).days >= 30)]}


def write_sample(root: Path | str, year: int = 2025, seed: int = 7, scale: int = 1, progress: bool = False,
                 habits: bool = False, stress: str | None = None) -> dict:
    """Write the whole sample year under ``root``, its banner ``scale`` times the real one (1..64: K
    times the departments, projects, workbooks and defects; docs/architecture.md §11); return the
    truth dictionary (also ``truth.json``). A scaled sample also gets ``root/params``, the parameters
    with its new departments, for ``ALXA_PARAMS``."""
    root = Path(root)
    s = sample_year(year, seed, scale, habits=habits, stress=stress)  # (a wrong scale is refused before anything is written)
    root.mkdir(parents=True, exist_ok=True)
    # the order matters: write_schedules draws from s.rng
    plan_file = write_plan(s, root)
    _, schedule_defects = write_schedules(s, root)
    start_defects = write_start_reports(s, root)
    registers = write_registers(s, root)
    defects = list(s.defects) + schedule_defects + start_defects
    files: dict[str, Any] = {}
    manifests: dict[Path, list[dict]] = {}
    iterator = s.reports
    if progress:
        from tqdm import tqdm
        iterator = tqdm(s.reports, desc="写入报表 writing reports", unit="file")
    for rf in iterator:
        defects += write_report(rf, root, year)
        manifests.setdefault(root / "reports" / rf.period.isoformat(), []).append(
            {"file": Path(rf.rel_path).name, "received": rf.received.isoformat()})
        files[rf.rel_path] = _report_truth(rf)
    for folder, rows in manifests.items():
        write_manifest(folder, rows)
    rejected = write_rejects(s, root)
    truth = {
        "year": year, "seed": seed, "plan_file": plan_file,
        "projects": {p.pid: {"department": p.department, "class": p.cls, "nature": p.nature,
                             "planned_start": _jsonable(p.planned_start), "actual_start": _jsonable(p.actual_start),
                             "adjusted_in": p.adjusted_in} for p in s.projects},
        "story": _story_truth(s),
        # how each department writes its expected start dates (docs/measures.md §11.1)
        "promise_behaviour": {d: s.banner.promise_kind(d) for d in s.banner.names},
        "adjustments": [{k: _jsonable(v) for k, v in a.items()} for a in s.adjustments],
        "files": files,
        "rejected": rejected,
        "defects": [{k: d.get(k) for k in TRUTH_DEFECT_FIELDS} for d in defects],
        "figures": oracle_figures(s),
        "registers": {k: len(v) for k, v in registers.items()},
    }
    if s.habits is not None:  # (absent without --habits, so that the default truth.json stays as it was)
        truth["habits"] = s.habits
        truth["inspections"] = write_inspections(s, root)
        truth["defects"] += [{"rule": "INSPECTION_MISMATCH", "file": i["file"], "sheet": "实地督查记录表", "cell": None,
                              "department": i["department"], "period": i["period"], "project_id": i["project_id"],
                              "field": "inspection"} for i in truth["inspections"] if i["mismatch"]]
    if stress:  # a stress world for the forecast's backtest (docs/measures.md §11.7); absent in the ordinary year
        truth["stress"] = stress
    if s.banner.scale > 1:  # (absent at scale 1, so that the real-size truth.json stays as it was)
        truth["scale"] = s.banner.scale
        truth["params_dir"] = write_params(s.banner, root / "params").relative_to(root).as_posix()
    write_text(root / "truth.json", json.dumps(truth, ensure_ascii=False, indent=1, default=_jsonable))
    return truth
