"""The text of the quarterly and the year-end 通报, written from ``alxa score --json`` / ``alxa rank --json``
(Art. 11–14; docs/measures.md §5, §6).

The scores, ranks, the bottom list (Art. 13) and the commendation list (Art. 14) are read from the JSON
dicts that ``figures.scoring.score_json`` / ``rank_json`` return; the 附件 are the tables of
``reports.content.evaluation``. Each section is a function of plain dicts, testable on hand-built figures.
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.accountability import bottom
from alxa_lib.figures.scoring import rank
from alxa_lib.reports.content.evaluation import TRIGGER_CN, Report
from alxa_lib.reports.content.labels import unit_key, units_in_order
from alxa_lib.reports.official.document import Block, OfficialDocument, add_attachment, config, frame, ref
from alxa_lib.reports.official.wording import cn_number, enumerate_named, join, points


# the measures, cited in full at the first mention and as 《办法》 after it
MEASURES = "《阿拉善左旗重点建设项目监控管理办法》（以下简称《办法》）"


def _limit() -> int:
    return config()["limits"]["departments_named"]


def _named(rows: Sequence[dict], with_rank: bool = False) -> list[str]:
    return [f"{r['department']}（{'第' + str(r['rank']) + '名，' if with_rank else ''}{points(r['score'])}分）" for r in rows]


def quarter_ranking(departments: Sequence[dict]) -> list[dict]:
    """Departments with score (to 0.01) and rank, best first; ties share a rank (figures.scoring.rank)."""
    if not departments:
        return []
    df = rank(pd.DataFrame([{"department": d["department"], "score": d["score"]} for d in departments
                            if d["score"] is not None]))
    return by_score([{"department": r.department, "score": float(r.score), "rank": int(r.rank)} for r in df.itertuples()])


def by_score(rows: Sequence[dict]) -> list[dict]:
    """Highest score first; equal scores in the office's order of units (params/banner.yaml), not by code point."""
    return sorted(rows, key=lambda r: (-r["score"], unit_key(r["department"])))


def quarter_overall(year: int, q: int, ranked: list[dict], n_projects: int) -> str:
    if not ranked:
        return f"{year}年第{cn_number(q)}季度无参加考评的单位。"
    text = f"{year}年第{cn_number(q)}季度共考评项目主管部门{len(ranked)}个、项目{n_projects}个"
    if len(ranked) == 1:
        return text + f"，{ranked[0]['department']}得分{points(ranked[0]['score'])}分。"
    mean = sum(r["score"] for r in ranked) / len(ranked)
    best, worst = ranked[0], ranked[-1]
    return text + (f"，平均得分{points(mean)}分；最高分{best['department']}{points(best['score'])}分，"
                   f"最低分{worst['department']}{points(worst['score'])}分。")


def good_scores(ranked: list[dict], minimum: float) -> str:
    good = [r for r in ranked if r["score"] >= minimum]
    if not good:
        return f"本季度没有得分在{minimum:g}分以上的单位。"
    if len(good) == 1:
        return f"得分在{minimum:g}分以上的单位为{_named(good)[0]}。"
    if len(good) <= _limit():
        return f"得分在{minimum:g}分以上的单位有{len(good)}个：{join(_named(good))}。"
    return f"得分在{minimum:g}分以上的单位有{len(good)}个，前{cn_number(_limit())}位是{join(_named(good[:_limit()]))}。"


def bottom_text(ranked: list[dict], n: int, ref_text: str = "") -> str:
    """The bottom ``n`` (everyone tied at the boundary included, §9.23), lowest first."""
    if len(ranked) <= 1:
        return ""
    low = bottom(pd.DataFrame(ranked), n).sort_values(["score", "department"], key=units_in_order).to_dict("records")
    names = join(_named(low, with_rank=True))
    where = f"，扣分明细见{ref_text}" if ref_text else ""
    who = "该单位" if len(low) == 1 else "上述单位"
    return f"得分排名靠后的单位是{names}。{who}要对照扣分项逐项整改{where}。"


def lost_points(lost: pd.DataFrame) -> str:
    """Where the points went, by component (from the evaluation's 扣分明细)."""
    if lost is None or lost.empty:
        return "本季度各项目均未扣分。"
    # a sum over units means nothing on a 100-point scale: how many projects lost points there, and how many
    # points each lost on average
    g = lost.groupby("扣分项").agg(total=("扣分", "sum"), projects=("项目编号", "nunique"))
    g = g.sort_values(["total", "projects"], ascending=False)
    parts = [f"{k}（{int(r.projects)}个项目扣分，平均每个项目扣{points(r.total / max(1, r.projects))}分）"
             for k, r in g.iterrows()]
    return f"失分主要集中在{join(parts[:3])}。" if len(parts) > 1 else f"失分全部在{parts[0]}。"


def quarter_document(sj: dict, report: Report, number=None) -> OfficialDocument:
    """The quarterly 通报 from ``score_json`` and the tables of ``evaluation.quarter_report``."""
    year, q = cal.parse_quarter(sj["quarter"])
    minimum = params.load("scoring")["commendation_min_score"]
    n_bottom = params.load("scoring")["accountability_bottom_n"]
    doc = frame("quarter", f"关于{year}年第{cn_number(q)}季度重点建设项目考评结果的通报", cal.quarter_end(year, q),
                number, year)
    add_attachment(doc, "scores", f"{year}年第{cn_number(q)}季度各单位考评得分", report.tables["scores"],
                   "注：分项得分为该单位项目的平均分。")
    add_attachment(doc, "lost", "扣分明细", report.tables["lost"])
    add_attachment(doc, "projects", "各项目季度得分", report.tables["projects"])
    ranked = quarter_ranking(sj["departments"])
    doc.blocks = [
        Block("p", f"根据{MEASURES}，现将{year}年第{cn_number(q)}季度重点建设项目考评结果通报如下。"),
        Block("h1", "一、总体情况"), Block("p", quarter_overall(year, q, ranked, len(sj["projects"]))),
        Block("h1", "二、考评结果"),
        Block("p", good_scores(ranked, minimum) + (f"各单位得分及排名见{ref(doc, 'scores')}。" if ref(doc, "scores") else "")),
        Block("p", bottom_text(ranked, n_bottom, ref(doc, "lost"))),
        Block("h1", "三、失分情况"), Block("p", lost_points(report.tables["lost"])),
        Block("h1", "四、下步工作要求"),
        Block("p", "各单位要对照考评结果和扣分明细，查找项目推进、信息报送和问题处理中的薄弱环节，"
                   "限期整改；考评结果按季度加权计入年终考评。"),
    ]
    doc.blocks = [b for b in doc.blocks if b.text]
    doc.figures = {"score": sj, "ranking": ranked}
    return doc


# ---------------------------------------------------------------- year end
def weights_text(weights: dict) -> str:
    return "、".join(f"第{cn_number(int(k[1:]))}季度{v * 100:.0f}%" for k, v in weights.items())


def annual_overall(year: int, rj: dict) -> str:
    ranking = rj["ranking"]
    if not ranking:
        return f"{year}年度无参加考评的单位。"
    text = (f"{year}年度共{len(ranking)}个项目主管部门参加考评，年终得分按各季度得分加权平均计算"
            f"（权重：{weights_text(rj['weights'])}）。")
    ranking = by_score(ranking)
    top = ranking[: min(3, len(ranking))]
    if len(ranking) == 1:
        return text + f"{ranking[0]['department']}年终得分{points(ranking[0]['score'])}分。"
    return text + f"排名前{cn_number(len(top))}位的是{join(_named(top, with_rank=True))}。"


def commendation_text(commended: Sequence[dict], minimum: float) -> str:
    if not commended:
        return f"本年度没有年终得分在{minimum:g}分以上且无追责情形的单位，不作通报表扬。"
    if len(commended) == 1:
        return f"{_named(commended)[0]}年终得分在{minimum:g}分以上且无追责情形，予以通报表扬。"
    return (f"{enumerate_named(_named(by_score(commended)), _limit(), '个单位')}年终得分在{minimum:g}分以上且无追责情形，"
            f"予以通报表扬。")


def accountability_text(triggers: Sequence[dict], ranking: Sequence[dict], ref_text: str = "") -> list[str]:
    """The bottom of the ranking (Art. 13(4)) and the other triggers, counted by kind."""
    ranks = {r["department"]: r for r in ranking}
    low = [ranks[t["department"]] for t in triggers if t["trigger"] == "bottom_ranking" and t["department"] in ranks]
    low = sorted(low, key=lambda r: (r["score"], unit_key(r["department"])))
    out = []
    if low:
        out.append(f"年终分值排序靠后的单位是{join(_named(low, with_rank=True))}，依照《办法》第十三条第四项提出追责建议。")
    other = [t for t in triggers if t["trigger"] != "bottom_ranking"]
    if not other:
        out.append("本年度无其他拟追责情形。")
        return out
    kinds = pd.Series([TRIGGER_CN.get(t["trigger"], t["trigger"]) for t in other]).value_counts(sort=False)
    # the units named are those with the most cases (the figure discussed), then in the office's order
    per = pd.Series([str(t["department"]) for t in other if t["department"]]).value_counts()
    depts = [f"{d}（{n}条）" for d, n in sorted(per.items(), key=lambda kv: (-kv[1], unit_key(kv[0])))]
    by_kind = "、".join(f"{k}{n}条" for k, n in kinds.items())
    where = f"，事实依据见{ref_text}" if ref_text else ""
    out.append(f"其他拟追责情形{len(other)}条（{by_kind}），涉及{enumerate_named(depts, _limit(), '个单位')}{where}。")
    return out


def annual_document(rj: dict, report: Report, number=None) -> OfficialDocument:
    """The year-end 通报 from ``rank_json`` and the tables of ``evaluation.annual_report``."""
    year = int(rj["year"])
    minimum = params.load("scoring")["commendation_min_score"]
    doc = frame("annual", f"关于{year}年度重点建设项目考评排名情况的通报", dt.date(year, 12, 31), number, year)
    add_attachment(doc, "ranking", f"{year}年度各单位考评排名", report.tables["ranking"])
    add_attachment(doc, "accountability", "拟责任追究情形及事实依据", report.tables["accountability"])
    add_attachment(doc, "commendation", "拟通报表扬单位", report.tables["commendation"])
    doc.blocks = [
        Block("p", f"根据{MEASURES}，现将{year}年度重点建设项目考评排名情况通报如下。"),
        Block("h1", "一、总体情况"), Block("p", annual_overall(year, rj)
                                        + (f"各单位排名见{ref(doc, 'ranking')}。" if ref(doc, "ranking") else "")),
        Block("h1", "二、通报表扬"), Block("p", commendation_text(rj["commendation"], minimum)),
        Block("h1", "三、责任追究"),
        *[Block("p", t) for t in accountability_text(rj["accountability"], rj["ranking"], ref(doc, "accountability"))],
        Block("h1", "四、下步工作要求"),
        Block("p", "受到通报表扬的单位要保持良好势头；排名靠后和有追责情形的单位要认真查找原因，"
                   "于下一年度第一季度报告整改情况。"),
    ]
    doc.figures = {"rank": rj}
    return doc
