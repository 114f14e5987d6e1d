"""The forecast (docs/measures.md §11) as the reports and the CLI show it: the brief's sentence, the
department reliability table, the deciding projects, the year-end investment gaps and the fan chart's
data. Tables carry Chinese column names; department text is left as data (escaped by the renderer).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from alxa_lib import periods as cal
from alxa_lib.figures.metrics import commencement_rates
from alxa_lib.figures.promises import promise_table, reliability
from alxa_lib.figures.state import YearData
from alxa_lib.reports.content import forecast_words
from alxa_lib.reports.content.labels import by_units, units_in_order


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


sentence = forecast_words.sentence  # the forecast in words: one module for every reader-facing text (§11.3)
investment_sentence = forecast_words.investment_sentence


def reliability_as_of(data: YearData, day: dt.date) -> pd.DataFrame:
    """The department reliability table (§11.1) from the promises given in reports due by ``day``."""
    plan = data.plan_on(day)
    depts = by_units(set(plan.loc[plan["class"] == "KC", "department"].dropna()))
    return reliability_table(reliability(promise_table(data, day), depts))


def reliability_table(rel: pd.DataFrame) -> pd.DataFrame:
    """Per department, least reliable first: promises, kept share, slips, moves, worst project."""
    rel = rel.copy()
    rel = rel[rel["promises"] > 0].sort_values(["kept_share", "median_slip_days", "department"], ascending=[True, False, True],
                                               na_position="last", key=units_in_order)
    return pd.DataFrame({
        "单位": rel["department"], "承诺次数": rel["promises"], "已兑现": rel["kept"], "已失信": rel["broken"],
        "兑现率": [None if pd.isna(x) else _pct(x) for x in rel["kept_share"]],
        "延误中位数（天）": [None if pd.isna(x) else round(x) for x in rel["median_slip_days"]],
        "延误80分位（天）": [None if pd.isna(x) else round(x) for x in rel["p80_slip_days"]],
        "改期次数": rel["moved"], "延误最多的项目": rel["worst_project"],
        "备注": ["尚无到期承诺，按全旗平均测算" if f else "" for f in rel["fallback"]],
    }).reset_index(drop=True)


def deciding_table(result: dict[str, Any]) -> pd.DataFrame:
    """The deciding projects (§11.5) with their promise and the probability of starting in time."""
    rows, target = result["deciding_projects"], result.get("_deciding_target")
    by = f"{dt.date.fromisoformat(target).month}月底前开工可能性" if target else "按期开工可能性"
    return pd.DataFrame({"项目编号": [r["project_id"] for r in rows], "项目名称": [r["name"] for r in rows],
                         "责任单位": [r["department"] for r in rows],
                         "预计开工时间": [r["promised"] or "未填（按计划开工时间）" for r in rows],
                         by: [_pct(r["p_start_by_next_target"]) for r in rows]})


def investment_gap_table(result: dict[str, Any], top: int = 5) -> pd.DataFrame:
    """The departments whose forecast year-end investment falls furthest short of plan (§11.4)."""
    by = result["_investment_departments"].head(top)
    return pd.DataFrame({"单位": by["department"], "年度计划投资（万元）": by["annual_planned"].round(2),
                         "目前完成（万元）": by["annual_completed"].round(2), "预计年底完成（万元）": by["forecast"].round(2),
                         "预计缺口（万元）": by["gap"].round(2),
                         "预计完成率": [None if pd.isna(x) else _pct(x) for x in by["forecast_rate"]]})


def fan_data(data: YearData, result: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(actual commencement rate at each reporting date up to the as-of date, forecast band per target)."""
    day = dt.date.fromisoformat(result["as_of"])
    rates = commencement_rates(data, [p for p in cal.periods(data.year) if p <= day] or [day])
    actual = [{"date": d, "rate": float(r or 0.0)} for d, r in zip(rates["date"], rates["rate"])]
    band = pd.DataFrame([{"date": day, "point": actual[-1]["rate"], "low": actual[-1]["rate"], "high": actual[-1]["rate"],
                          "target": None}] +
                        [{"date": dt.date.fromisoformat(c["date"]), "point": c["point"], "low": c["low"],
                          "high": c["high"], "target": c["target"]} for c in result["commencement"]])
    return pd.DataFrame(actual), band


def text_lines(result: dict[str, Any]) -> list[str]:
    """What ``alxa forecast`` prints without --json."""
    out = [f"截至{result['as_of']}：已开复工{result['_started']}个/共{result['_total']}个"]
    out += [sentence(result, i) for i in range(max(1, len(result["commencement"])))]
    out.append(investment_sentence(result))
    rel = reliability_table(result["_reliability"])
    if len(rel):
        out.append("承诺兑现最差的单位：" + "；".join(
            f"{r['单位']} 兑现率{r['兑现率'] or '—'} 改期{r['改期次数']}次" for _, r in rel.head(5).iterrows()))
    if result["deciding_projects"]:
        month = dt.date.fromisoformat(result["_deciding_target"]).month
        out.append(f"决定{month}月底目标能否实现的项目：" + "；".join(
            f"{r['project_id']} {r['name']}（{r['department']}，按期开工可能性{_pct(r['p_start_by_next_target'])}）"
            for r in result["deciding_projects"]))
    out += [f"注：{n}" for n in result["_notes"]]
    return out
