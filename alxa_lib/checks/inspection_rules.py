"""INSPECTION_MISMATCH (docs/measures.md §12.3): an on-site inspection record that contradicts the period
report it checks — reported started but not started on site, or 形象进度 or investment overstated beyond the
tolerances of ``params/integrity.yaml`` ``inspection`` — is an error finding on that project and period.
Through the reporting component (§5, §9.7) it sets that period's 信息上报 for the project to 0.5."""
from __future__ import annotations

import pandas as pd

from alxa_lib import params
from alxa_lib.rules import finding
from alxa_lib.values import clean
from alxa_lib.vocab import UNDER_WAY_STATUSES as UNDER_WAY



def _num(x) -> float | None:
    x = clean(x)
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _shown(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def mismatches(records: pd.DataFrame, reported: dict[str, dict]) -> list[dict]:
    """The INSPECTION_MISMATCH findings of the inspection ``records`` of one period against ``reported``
    (project → the row the period's report gives: status, progress_pct, annual_completed, department,
    period). One finding per contradicted record, naming every contradiction."""
    cfg = params.load("integrity")["inspection"]
    out = []
    for rec in records.to_dict("records"):
        row = reported.get(rec.get("project_id"))
        if row is None:
            continue
        what = []
        seen_started = clean(rec.get("seen_started"))
        if row.get("status") in UNDER_WAY and seen_started is False:
            what.append(f"报送“{row['status']}”但现场未开工")
        said, seen = _num(row.get("progress_pct")), _num(rec.get("seen_progress_pct"))
        if said is not None and seen is not None and said - seen > float(cfg["progress_tolerance"]):
            what.append(f"报送形象进度{_shown(said)}%，现场核实{_shown(seen)}%")
        said, seen = _num(row.get("annual_completed")), _num(rec.get("seen_investment"))
        if said is not None and seen is not None and said > seen \
                and said - seen > float(cfg["investment_tolerance"]) * max(seen, 0.0):
            what.append(f"报送本年完成投资{_shown(said)}万元，现场核实{_shown(seen)}万元")
        if what:
            out.append(finding("INSPECTION_MISMATCH", department=row.get("department"), period=row.get("period"),
                               project_id=rec["project_id"], field="inspection",
                               inspector=clean(rec.get("inspector")) or "督查组",
                               inspected_on=clean(rec.get("inspected_on")) or "", what="；".join(what)))
    return out
