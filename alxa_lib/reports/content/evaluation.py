"""Content of the quarterly evaluation and the annual ranking reports (Art. 11–14), built from scoring."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.scoring import (
    ALL_COMPONENTS,
    CN_COMPONENT,
    FindingsOf,
    accountability,
    commendation,
    rank,
    score_quarter,
    year_end,
)
from alxa_lib.figures.state import YearData
from alxa_lib.reports.content.inspection_list import inspection_sentence
from alxa_lib.reports.content.forecast_report import reliability_as_of
from alxa_lib.reports.content.labels import banner, units_in_order

TRIGGER_CN = {"decision_overdue": "议定事项未按时完成", "shirking": "推诿拖延", "start_overdue": "迟迟不开工",
              "stopped_after_start": "开工即停工", "slow_progress": "施工进度缓慢", "fund_misuse": "资金挪用",
              "safety_accident": "安全事故", "bottom_ranking": "年终分值排序靠后"}


@dataclass
class Report:
    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    text: str = ""
    sheet_names: dict[str, str] = field(default_factory=dict)  # table key → xlsx sheet, in sheet order

    def sheets(self) -> list[tuple[str, pd.DataFrame]]:
        return [(name, self.tables[key]) for key, name in self.sheet_names.items()]


def write_xlsx(report, path) -> None:
    """A report's tables (anything with ``title`` and ``sheets()``), one sheet each, text as text."""
    from alxa_lib.workbooks.xlsx_write import write_tables  # here: openpyxl loads only when a workbook is asked for
    write_tables(path, report.title, report.sheets())


def commendation_caption() -> str:
    """The commendation list's caption, with the threshold from params/scoring.yaml (Art. 14)."""
    return f"年终得分{params.load('scoring')['commendation_min_score']:g}分以上且无追责情形的单位"


def quarter_report(data: YearData, q: int, findings_of: FindingsOf) -> Report:
    projects, depts = score_quarter(data, q, findings_of)
    depts = depts.sort_values(["score", "department"], ascending=[False, True], key=units_in_order).reset_index(drop=True)
    table = pd.DataFrame({"名次": range(1, len(depts) + 1), "单位": depts["department"],
                          "得分": depts["score"].round(2), "加分": depts["bonus"], "项目数": depts["projects"]})
    for c in ALL_COMPONENTS:
        table[CN_COMPONENT[c]] = [round(x.get(c, 0.0), 2) for x in depts["components"]]
    components = pd.DataFrame([{"department": d, **comp} for d, comp in zip(depts["department"], depts["components"])])
    lost = []
    weights = params.load("scoring")["weights"]
    for p in projects.to_dict("records"):
        for c, pts in p["components"].items():
            gone = weights[p["class"]][c] - pts
            if gone > 0.005:
                lost.append({"单位": p["department"], "项目编号": p["project_id"], "项目名称": p["name"],
                             "类别": "重点建设" if p["class"] == "KC" else "重大前期", "扣分项": CN_COMPONENT[c],
                             "扣分": round(gone, 2), "依据": p["evidence"].get(c, "")})
    lost_df = pd.DataFrame(lost, columns=["单位", "项目编号", "项目名称", "类别", "扣分项", "扣分", "依据"]) \
        .sort_values(["单位", "扣分"], ascending=[True, False], key=units_in_order).reset_index(drop=True)
    proj = pd.DataFrame({"单位": projects["department"], "项目编号": projects["project_id"], "项目名称": projects["name"],
                         "类别": projects["class"].map({"KC": "重点建设", "MP": "重大前期"}), "得分": projects["score"].round(2)})
    best, worst = table.iloc[0], table.iloc[-1]
    text = (f"{data.year}年第{q}季度共考评{len(table)}个项目主管部门、{len(projects)}个项目。"
            f"最高分{best['单位']}{best['得分']:.2f}分，最低分{worst['单位']}{worst['得分']:.2f}分，"
            f"平均{table['得分'].mean():.2f}分。")
    last_due = [p for p in cal.periods(data.year) if p <= cal.quarter_end(data.year, q)][-1]
    in_q = [p for p in cal.periods(data.year) if cal.quarter_of(p) == q]
    found = [findings_of(p) for p in in_q]
    text += inspection_sentence(data, in_q, pd.concat([f for f in found if not f.empty]) if any(not f.empty for f in found)
                                else pd.DataFrame())
    return Report(f"{banner()}重点建设项目{data.year}年第{q}季度考评结果", {
        "scores": table, "_components": components, "lost": lost_df, "projects": proj,
        "reliability": reliability_as_of(data, last_due)}, text,  # promises kept, docs/measures.md §11.1
        {"scores": "得分", "lost": "扣分明细", "projects": "项目得分", "reliability": "承诺兑现"})


def annual_report(data: YearData, findings_of: FindingsOf) -> Report:
    quarterly = {q: score_quarter(data, q, findings_of)[1] for q in range(1, 5)}
    ranking = rank(year_end(quarterly))
    triggers = accountability(data, ranking)
    commended = commendation(ranking, triggers)
    table = pd.DataFrame({"名次": ranking["rank"], "单位": ranking["department"],
                          **{f"第{i}季度": [r.get(f"Q{i}") for r in ranking["quarters"]] for i in range(1, 5)},
                          "年终得分": ranking["score"]})
    for i in range(1, 5):
        table[f"第{i}季度"] = table[f"第{i}季度"].map(lambda v: None if v is None else round(v, 2))
    trajectory = pd.DataFrame([{"department": r["department"], **{k: v for k, v in r["quarters"].items()}}
                               for r in ranking.to_dict("records")])
    acc = pd.DataFrame([{"单位": t["department"], "项目编号": t["project_id"], "情形": TRIGGER_CN.get(t["trigger"], t["trigger"]),
                         "依据条款": t["article"], "事实依据": t["evidence"]} for t in triggers],
                       columns=["单位", "项目编号", "情形", "依据条款", "事实依据"])
    com = pd.DataFrame([{"单位": c["department"], "年终得分": c["score"]} for c in commended], columns=["单位", "年终得分"])
    text = (f"{data.year}年度共{len(table)}个项目主管部门参加考评，按各季度得分加权平均（权重："
            + "、".join(f"{k}={v}" for k, v in params.load("scoring")["quarter_weights"].items())
            + f"）。拟责任追究情形{len(acc)}条，拟通报表扬单位{len(com)}个。")
    return Report(f"{banner()}重点建设项目{data.year}年度考评排名", {
        "ranking": table, "_trajectory": trajectory, "accountability": acc, "commendation": com}, text,
        {"ranking": "年终排名", "accountability": "责任追究", "commendation": "通报表扬"})
