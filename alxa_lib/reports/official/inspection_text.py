"""The 督查通知 (docs/measures.md §12.2): the inspection list as a 公文 the Commission signs — which projects
will be visited, what the inspectors check, what the departments do — with the list as its 附件."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from alxa_lib.reports.official.document import Block, OfficialDocument, add_attachment, frame, ref
from alxa_lib.reports.official.evaluation_text import MEASURES
from alxa_lib.reports.official.wording import cn_date


def notice_document(plan: pd.DataFrame, period: dt.date, day: dt.date | None = None, number=None) -> OfficialDocument:
    """The notice of an inspection list ``plan`` (``figures.inspection.inspection_plan``) drawn as of ``period``,
    dated ``day`` (default: the period)."""
    day = day or period
    doc = frame("notice", "关于开展重点建设项目实地督查的通知", day, number, day.year)
    table = pd.DataFrame({"序号": range(1, len(plan) + 1), "项目编号": plan["project_id"], "项目名称": plan["name"],
                          "主管部门": plan["department"], "列入理由": plan["reasons"].map("；".join)})
    add_attachment(doc, "list", "实地督查项目名单", table)
    units = plan["department"].nunique()
    listed = ref(doc, "list")
    doc.blocks = [
        Block("p", f"根据{MEASURES}第九条，为及时掌握项目建设实质进展，核实报送数据，经研究，决定对{len(plan)}个"
                   f"重点建设项目开展实地督查。现将有关事项通知如下。"),
        Block("h1", "一、督查对象"),
        Block("p", f"督查项目{len(plan)}个，涉及{units}个单位（名单见{listed or '附件'}）。名单依据截至{cn_date(period)}"
                   "各单位报送数据的一致性、项目亮灯情况、开工滞后时间和项目规模综合确定，列入名单不代表项目存在问题。"),
        Block("h1", "二、督查内容"),
        Block("p", "逐项核实项目开复工状态、形象进度、本年完成投资，清点现场施工人员和主要施工设备，拍照留存，"
                   "如实填写《实地督查记录表》，由督查人员签字并注明督查日期。"),
        Block("h1", "三、有关要求"),
        Block("p", "请各项目主管部门安排熟悉项目情况的人员陪同督查，如实提供相关资料。督查发现报送数据与现场情况不符的，"
                   "按《办法》第八条和第十一条计入信息上报考评，并退回相关单位更正。"),
    ]
    doc.figures = {"period": period.isoformat(), "projects": plan["project_id"].tolist()}
    return doc
