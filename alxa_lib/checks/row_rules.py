"""Row rules: one check per rule code of docs/measures.md §4 that looks at one report row.

A check takes the :class:`PeriodContext` and a row and returns findings. Adding a rule is one
function here, one entry in ``ROW_CHECKS`` and its code in ``alxa_lib.rules.RULES`` (docs/architecture.md §5).
"""
from __future__ import annotations

from typing import Callable

from alxa_lib import params
from alxa_lib.checks import amounts
from alxa_lib.checks.context import ACTIVE_STARTED, PeriodContext
from alxa_lib.values import clean, round2
from alxa_lib.vocab import REPORT_FIELDS, STARTED_STATUSES


# ---------------------------------------------------------------- row checks
def check_required(ctx: PeriodContext, row: dict) -> list[dict]:
    req = params.load("ingest")["required_fields"]
    fields = req["report_kc"] if ctx.row_class(row) == "KC" else req["report_mp"]
    out = []
    for f in fields:
        if f == "project_ref":
            if not row.get("name") and not row.get("project_id"):
                out.append(ctx.make("REQUIRED_MISSING", row, "name", label="项目名称或项目编号"))
        elif clean(row.get(f)) is None and f not in ctx.unreadable(row):
            out.append(ctx.make("REQUIRED_MISSING", row, f, label=REPORT_FIELDS[f][0]))
    return out


def check_unstarted_reason(ctx, row):
    if ctx.row_class(row) != "KC" or row.get("status") != "未开工":
        return []
    missing = [f for f in ("unstarted_reason", "expected_start") if clean(row.get(f)) is None
               and f not in ctx.unreadable(row)]
    if not missing:
        return []
    label = "、".join({"unstarted_reason": "未开（复）工原因", "expected_start": "预计开（复）工日期"}[m] for m in missing)
    return [ctx.make("UNSTARTED_NO_REASON", row, missing[0], missing=label)]


def check_started_no_date(ctx, row):
    if ctx.row_class(row) == "KC" and row.get("status") in STARTED_STATUSES and clean(row.get("start_date")) is None \
            and "start_date" not in ctx.unreadable(row):
        return [ctx.make("STARTED_NO_DATE", row, "start_date", value=row.get("status"))]
    return []


def check_progress_text(ctx, row):
    if ctx.row_class(row) == "KC" and row.get("status") in ACTIVE_STARTED and not row.get("progress_text") \
            and clean(row.get("progress_pct")) is None and "progress_pct" not in ctx.unreadable(row):
        return [ctx.make("NO_PROGRESS_TEXT", row, "progress_text")]
    return []


def check_amounts(ctx, row):
    """Amounts against the project itself (docs/measures.md §9.30): 累计完成投资 above 总投资
    (CUMULATIVE_GT_TOTAL), 本年完成投资 above 总投资 or far above 年度计划投资 (AMOUNT_ABOVE_PROJECT); the
    plan's figures, the row's own for a project not in the plan. Such an amount counts as missing."""
    total, annual_plan = amounts.limits(ctx.plan_row(row.get("project_id")), row)
    out = []
    for f in amounts.CHECKED:
        why = amounts.implausible(f, row.get(f), total, annual_plan)
        if why is None:
            continue
        value = round2(row.get(f))
        hint = amounts.yuan_hint(f, value, total, annual_plan)
        if f == "cumulative_completed":
            out.append(ctx.make("CUMULATIVE_GT_TOTAL", row, f, cumulative=value, total=why[1], hint=hint))
        else:
            limit = "总投资" if why[0] == "total" else f"年度计划投资的{amounts.factor():g}倍"
            out.append(ctx.make("AMOUNT_ABOVE_PROJECT", row, f, label=REPORT_FIELDS[f][0], value=value,
                                limit_label=limit, limit=why[1], hint=hint))
    return out


def check_cumulative(ctx, row):
    """累计 below 本年 (on the row with its implausible amounts emptied: ``check_report`` passes it)."""
    annual, cum = round2(row.get("annual_completed")), round2(row.get("cumulative_completed"))
    if annual is not None and cum is not None and cum < annual:
        return [ctx.make("CUMULATIVE_LT_ANNUAL", row, "cumulative_completed", cumulative=cum, annual=annual)]
    return []


def check_percent(ctx, row):
    pct = clean(row.get("progress_pct"))
    if pct is not None and not (0 <= float(pct) <= 100):
        return [ctx.make("PERCENT_OUT_OF_RANGE", row, "progress_pct", value=pct)]
    return []


def check_dates(ctx, row):
    year, out = ctx.period.year, []
    start = clean(row.get("start_date"))
    if start is not None and row.get("status") in ("已开工", "已复工", "已完工"):
        if start.year != year:
            out.append(ctx.make("DATE_OUT_OF_RANGE", row, "start_date", label="开（复）工日期", value=start,
                                why=f"不在{year}年内"))
        elif start > ctx.period:
            out.append(ctx.make("DATE_OUT_OF_RANGE", row, "start_date", label="开（复）工日期", value=start,
                                why=f"晚于报表截至日{ctx.period}"))
    expected = clean(row.get("expected_start"))
    if expected is not None and expected.year != year:
        out.append(ctx.make("DATE_OUT_OF_RANGE", row, "expected_start", label="预计开（复）工日期", value=expected,
                            why=f"早于{year}年" if expected.year < year else f"晚于{year}年底"))
    return out


def check_promise(ctx, row):
    """An unstarted row's 预计开（复）工日期 already past, or moved earlier than the previous report's
    (docs/measures.md §11.1): the promise history the forecast reads."""
    expected = clean(row.get("expected_start"))
    if expected is None or row.get("status") in STARTED_STATUSES or expected.year != ctx.period.year:
        return []
    out = []
    if expected < ctx.period:
        out.append(ctx.make("EXPECTED_START_PAST", row, "expected_start", value=expected, period_due=ctx.period))
    prev = ctx.previous.get(row.get("project_id")) or {}
    before = clean(prev.get("expected_start"))
    if before is not None and prev.get("status") not in STARTED_STATUSES and expected < before:
        out.append(ctx.make("EXPECTED_START_MOVED_BACK", row, "expected_start", previous=before, value=expected))
    return out


def check_decrease(ctx, row):
    prev = ctx.previous.get(row.get("project_id"))
    if not prev:
        return []
    prev = amounts.masked_row(prev, ctx.plan_row(row.get("project_id")))  # an implausible amount compares as missing
    out = []
    for f, label in (("annual_completed", "本年完成投资"), ("cumulative_completed", "累计完成投资")):
        a, b = round2(prev.get(f)), round2(row.get(f))
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
    p = ctx.plan_row(row.get("project_id"))
    if p is None:
        return []
    out = []
    for f in ("total_investment", "annual_planned"):
        a, b = round2(p[f]), round2(row.get(f))
        if a is not None and b is not None and a != b:
            out.append(ctx.make("LOCKED_INDICATOR_CHANGED", row, f, label=REPORT_FIELDS[f][0], value=b, expected=a))
    py = (clean(p.get("start_year")), clean(p.get("end_year")))
    ry = (clean(row.get("start_year")), clean(row.get("end_year")))
    if None not in py and None not in ry and tuple(map(int, py)) != tuple(map(int, ry)):
        out.append(ctx.make("LOCKED_INDICATOR_CHANGED", row, "years", label="建设年限", value=f"{ry[0]}-{ry[1]}",
                            expected=f"{int(py[0])}-{int(py[1])}"))
    return out


ROW_CHECKS: dict[str, Callable[[PeriodContext, dict], list[dict]]] = {
    "REQUIRED_MISSING": check_required,
    "UNSTARTED_NO_REASON": check_unstarted_reason,
    "STARTED_NO_DATE": check_started_no_date,
    "NO_PROGRESS_TEXT": check_progress_text,
    "CUMULATIVE_GT_TOTAL/AMOUNT_ABOVE_PROJECT": check_amounts,
    "CUMULATIVE_LT_ANNUAL": check_cumulative,
    "PERCENT_OUT_OF_RANGE": check_percent,
    "DATE_OUT_OF_RANGE": check_dates,
    "EXPECTED_START_PAST/MOVED_BACK": check_promise,
    "INVESTMENT_DECREASED": check_decrease,
    "STATUS_REGRESSED": check_status_regressed,
    "COMPLETED_STILL_REPORTED": check_completed_reported,
    "LOCKED_INDICATOR_CHANGED": check_locked,
}
# checks that compare amounts: they see the row with its implausible amounts emptied (§9.30)
ON_MASKED = frozenset({check_cumulative, check_decrease})
