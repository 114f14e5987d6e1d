"""Report rules: checks that look at a whole report version (missing projects, changes, signature, liaison)."""
from __future__ import annotations

from typing import Callable

from alxa_lib.checks.context import PeriodContext
from alxa_lib.checks import amounts
from alxa_lib.checks.row_rules import ON_MASKED, ROW_CHECKS, check_required
from alxa_lib.rules import finding
from alxa_lib.values import clean
from alxa_lib.vocab import REPORT_FIELDS


# ---------------------------------------------------------------- report-level checks
def check_project_missing(ctx: PeriodContext) -> list[dict]:
    reported = {r.get("project_id") for r in ctx.rows}
    out = []
    for p in ctx.plan_list():
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
                           label=label, previous=clean(c["previous"]), value=clean(c["value"])))
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
        masked = amounts.masked_row(r, ctx.plan_row(r.get("project_id")))
        for check in ROW_CHECKS.values():
            if r.get("project_id") is None and check is not check_required:
                continue  # unmatched rows are PROJECT_UNKNOWN already
            out += check(ctx, masked if check in ON_MASKED else r)
    for check in REPORT_CHECKS.values():
        out += check(ctx)
    return out
