"""The inspection list as the office sends it (docs/measures.md §12.2): a workbook ranked by risk with its
reasons and the signals' evidence, and one pre-filled 实地督查记录表 per listed project (the 督查通知, a 公文 with the
list as its 附件, is ``reports.official.inspection_text``)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from alxa_lib import params
from alxa_lib.figures.integrity import latest_rows


def list_tables(plan: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The two sheets: the ranked list, and every signal with its evidence."""
    ranked = pd.DataFrame({
        "序号": range(1, len(plan) + 1), "项目编号": plan["project_id"], "项目名称": plan["name"],
        "主管部门": plan["department"], "风险分值": plan["risk"],
        "列入理由": plan["reasons"].map("；".join)})
    evidence = [{"项目编号": r.project_id, "项目名称": r.name, "期次": s["period"], "信号": s["label"],
                 "理由": s["reason"], "依据": s["evidence"]}
                for r in plan.itertuples(index=False) for s in r.signals]
    return [("督查清单", ranked), ("数据信号", pd.DataFrame(evidence, columns=["项目编号", "项目名称", "期次", "信号",
                                                                      "理由", "依据"]))]


def write_inspection_outputs(plan: pd.DataFrame, history: pd.DataFrame, period: dt.date, out: Path) -> list[Path]:
    """The list (``督查清单.xlsx``) and the forms (``记录表/<项目编号>.xlsx``) under ``out``."""
    # openpyxl is loaded here, not with the module: the brief imports this module for its inspection
    # sentence, and a brief without its workbook does not load openpyxl (0.05 s; docs/architecture.md §10)
    from alxa_lib.workbooks.inspection_form import write_form
    from alxa_lib.workbooks.xlsx_write import write_tables
    office = params.load("document")["issuer"]
    out.mkdir(parents=True, exist_ok=True)
    written = [write_tables(out / "督查清单.xlsx", f"{period.year}年{period.month}月{period.day}日实地督查建议清单",
                            list_tables(plan))]
    rows = latest_rows(history[pd.to_datetime(history["period"]).dt.date <= period]) if not history.empty else history
    last = rows.drop_duplicates("project_id", keep="last").set_index("project_id") if not rows.empty else rows
    (out / "记录表").mkdir(exist_ok=True)
    for r in plan.itertuples(index=False):
        reported = last.loc[r.project_id].to_dict() if r.project_id in getattr(last, "index", ()) else {}
        row = {"project_id": r.project_id, "name": r.name, "department": r.department,
               "status": reported.get("status"), "progress_pct": reported.get("progress_pct"),
               "annual_completed": reported.get("annual_completed")}
        written.append(write_form(out / "记录表" / f"{r.project_id}.xlsx", row, office, period))
    return written


def inspection_sentence(data, periods: list[dt.date], findings: pd.DataFrame | None) -> str:
    """What the reports say of the on-site inspections (docs/measures.md §12.3) checking ``periods``: how many
    projects were inspected and how many reports the sites contradicted, naming them; "" when none was."""
    records = getattr(data, "inspections", None)
    if not isinstance(records, pd.DataFrame) or records.empty:
        return ""
    mine = records[pd.to_datetime(records["period"]).dt.date.isin(periods)]
    if mine.empty:
        return ""
    checked = sorted(set(mine["project_id"].dropna()))
    found = findings if isinstance(findings, pd.DataFrame) else getattr(data, "findings", None)
    bad: list[str] = []
    if isinstance(found, pd.DataFrame) and not found.empty and "rule" in found:
        hits = found[(found["rule"] == "INSPECTION_MISMATCH")
                     & pd.to_datetime(found["period"]).dt.date.isin(periods)]
        bad = sorted(set(hits["project_id"].dropna()) & set(checked))
    names = data.plan_rows.drop_duplicates("project_id").set_index("project_id")["name"] \
        if isinstance(data.plan_rows, pd.DataFrame) else pd.Series(dtype=object)
    text = f"实地督查项目{len(checked)}个"
    if bad:
        shown = "、".join(str(names.get(p, p)) for p in bad)
        text += f"，其中{len(bad)}个项目报送的数据与现场不符（{shown}），已计入信息上报考评并退回更正。"
    else:
        text += "，现场情况与报送数据相符。"
    return text
