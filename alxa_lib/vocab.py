"""Vocabularies and header spellings of the official workbooks (docs/workbooks.md), as data.

Each table maps a canonical English field to the header spellings offices use. The first spelling
is the official template's and is what the generator and the templates write.
"""
from __future__ import annotations

QUARTER_CN = ["一", "二", "三", "四"]

PLAN_FIELDS: dict[str, list[str]] = {
    "seq": ["序号"],
    "project_id": ["项目编号", "编号", "项目代码"],
    "name": ["项目名称"],
    "department": ["主管部门", "项目主管部门"],
    "project_unit": ["项目单位", "建设单位", "项目业主"],
    "leader": ["包联旗领导", "包联领导"],
    "location": ["建设地点"],
    "sector": ["行业领域", "行业"],
    "nature": ["建设性质"],
    "invest_type": ["投资类型"],
    "scale_content": ["建设规模及内容", "建设内容及规模", "建设规模及主要内容"],
    "years": ["建设年限", "建设起止年限"],
    "total_investment": ["总投资（万元）", "总投资", "项目总投资"],
    "cumulative_prior": ["截至上年底累计完成投资（万元）", "截至上年底累计完成投资", "截止上年底累计完成投资"],
    "annual_planned": ["年度计划投资（万元）", "年度计划投资", "本年计划投资"],
    "planned_start": ["计划开（复）工日期", "计划开复工日期", "计划开工日期", "计划开工时间"],
    "current_stage": ["当前阶段"],
    "target_stage": ["年度目标阶段"],
    "class": ["项目类别"],
}

PROCEDURES: dict[str, str] = {
    "proc_approval": "立项",
    "proc_planning": "规划选址",
    "proc_land": "用地",
    "proc_eia": "环评",
    "proc_energy": "能评",
    "proc_water": "水保",
    "proc_design": "初步设计",
    "proc_tender": "招标",
    "proc_permit": "施工许可",
}

REPORT_FIELDS: dict[str, list[str]] = {
    "seq": ["序号"],
    "project_id": ["项目编号", "编号", "项目代码"],
    "name": ["项目名称"],
    "class": ["项目类别"],
    "nature": ["建设性质"],
    "total_investment": ["总投资（万元）", "总投资", "项目总投资"],
    "annual_planned": ["年度计划投资（万元）", "年度计划投资", "本年计划投资"],
    "years": ["建设年限", "建设起止年限"],
    "annual_completed": ["本年完成投资", "年度完成投资", "今年完成投资"],
    "cumulative_completed": ["累计完成投资", "开工累计完成投资"],
    "status": ["开复工状态", "开（复）工状态", "是否开（复）工", "是否开复工"],
    "start_date": ["开（复）工日期", "开复工日期", "开工日期", "实际开（复）工日期"],
    "expected_start": ["预计开（复）工日期", "预计开复工日期", "预计开工日期", "预计开工时间"],
    "unstarted_reason": ["未开（复）工原因", "未开复工原因", "未开工原因"],
    **{k: [v] for k, v in PROCEDURES.items()},
    "current_stage": ["当前阶段"],
    "progress_text": ["形象进度", "工程形象进度"],
    "progress_pct": ["形象进度占比（%）", "形象进度占比", "进度完成占比", "完成占比"],
    "problems": ["存在问题", "存在的问题"],
    "measures": ["措施建议", "措施及建议"],
    "liaison": ["联络员", "信息联络员"],
    "phone": ["联系电话", "电话"],
}

# Group headers of the official two-row report header, and the fields below each.
REPORT_GROUPS: dict[str, list[str]] = {
    "投资完成情况（万元）": ["annual_completed", "cumulative_completed"],
    "开（复）工情况": ["status", "start_date", "expected_start", "unstarted_reason"],
    "前期手续办理情况": list(PROCEDURES),
}

SCHEDULE_FIELDS: dict[str, list[str]] = {
    "project_id": ["项目编号", "编号"],
    "name": ["项目名称"],
    "planned_start": ["计划开（复）工日期", "计划开复工日期", "计划开工日期"],
    "planned_end": ["计划竣工日期", "计划完工日期"],
}
for _i, _q in enumerate(QUARTER_CN, start=1):
    SCHEDULE_FIELDS[f"q{_i}_node"] = [f"{_q}季度末完成年度投资（万元）", f"{_q}季度末完成年度投资", f"{_i}季度末完成年度投资", f"Q{_i}末完成年度投资"]
    SCHEDULE_FIELDS[f"q{_i}_goal"] = [f"{_q}季度节点目标", f"{_i}季度节点目标", f"Q{_i}节点目标"]
    SCHEDULE_FIELDS[f"q{_i}_stage"] = [f"{_q}季度末目标阶段", f"{_i}季度末目标阶段", f"Q{_i}末目标阶段"]

START_FIELDS: dict[str, list[str]] = {
    "project_id": ["项目编号", "编号"],
    "name": ["项目名称"],
    "start_type": ["类型", "开复工类型", "开（复）工类型"],
    "start_date": ["开（复）工日期", "开复工日期", "开工日期"],
    "note": ["备注"],
}

REGISTER_SHEETS: dict[str, dict[str, list[str]]] = {
    "adjustments": {
        "project_id": ["项目编号"], "adj_type": ["调整类型"], "indicator": ["调整指标"],
        "old_value": ["原值"], "new_value": ["新值"], "replacement_id": ["替换项目编号"],
        "approval_no": ["批准文号"], "approval_date": ["批准日期"],
    },
    "decisions": {
        "meeting_date": ["会议日期"], "item": ["事项"], "owner": ["责任单位"],
        "due_date": ["完成时限"], "done_date": ["完成日期"],
    },
    "problems": {
        "problem_id": ["问题编号"], "project_id": ["项目编号"], "kind": ["问题类型"],
        "description": ["问题描述"], "owner": ["责任单位"], "raised_date": ["提出日期"],
        "due_date": ["解决时限"], "solved_date": ["解决日期"],
    },
    "bonuses": {
        "unit": ["单位"], "quarter": ["季度"], "points": ["分值"], "reason": ["事由"], "basis": ["依据"],
    },
    "incidents": {
        "date": ["日期"], "unit": ["单位"], "project_id": ["项目编号"], "type": ["类型"],
        "description": ["描述"], "source": ["来源"],
    },
    "liaisons": {
        "unit": ["单位"], "name": ["姓名"], "title": ["职务"], "phone": ["电话"], "registered_date": ["登记日期"],
    },
}
REGISTER_SHEET_NAMES: dict[str, str] = {
    "adjustments": "项目调整", "decisions": "联席会议议定事项", "problems": "问题清单",
    "bonuses": "考评加分", "incidents": "督查事件", "liaisons": "信息联络员",
}

# Fields that hold amounts (万元) and dates, per kind; the reader converts them.
AMOUNT_FIELDS = {"total_investment", "cumulative_prior", "annual_planned", "annual_completed",
                 "cumulative_completed"} | {f"q{i}_node" for i in range(1, 5)}
DATE_FIELDS = {"planned_start", "start_date", "expected_start", "planned_end", "approval_date",
               "meeting_date", "due_date", "done_date", "raised_date", "solved_date", "date",
               "registered_date"}

STATUS: dict[str, list[str]] = {
    "未开工": ["未开复工", "未开", "未开（复）工", "未复工"],
    "已开工": ["开工", "在建", "正在施工", "已开（复）工"],
    "已复工": ["复工"],
    "停工": ["停建", "暂停", "已停工"],
    "已完工": ["完工", "竣工", "已竣工"],
}
STARTED_STATUSES = {"已开工", "已复工", "停工", "已完工"}
UNDER_WAY_STATUSES = ("已开工", "已复工")  # started and neither stopped nor completed: under construction

PROCEDURE_STATUS: dict[str, list[str]] = {
    "已办结": ["已批复", "已完成", "已取得", "已办理", "✓", "√"],
    "办理中": ["正在办理", "在办"],
    "未办理": ["未办", "未启动"],
    "不涉及": ["无需办理", "不需要", "/", "—", "无", "-", "——"],
}

NATURE = {"新建": "new", "续建": "continuing"}
INVEST_TYPE = {"政府投资": "gov", "企业投资": "nongov", "非政府投资": "nongov", "社会投资": "nongov"}
CLASS = {"重点建设项目": "KC", "重大前期项目": "MP"}

STAGE_LADDERS: dict[str, list[str]] = {
    "gov": ["规划", "项目建议书", "可行性研究报告", "初步设计", "具备开工条件"],
    "nongov": ["签订投资协议或企业注册", "项目申请报告(核准/备案)", "申报手续(支持性文件)", "批复", "具备开工条件"],
}
STAGE_SHORT_FORMS: dict[str, str] = {
    "可研": "可行性研究报告", "可行性研究": "可行性研究报告", "初设": "初步设计", "建议书": "项目建议书",
    "核准/备案": "项目申请报告(核准/备案)", "核准": "项目申请报告(核准/备案)", "备案": "项目申请报告(核准/备案)",
    "项目申请报告": "项目申请报告(核准/备案)", "签订投资协议": "签订投资协议或企业注册", "企业注册": "签订投资协议或企业注册",
    "申报手续": "申报手续(支持性文件)", "支持性文件": "申报手续(支持性文件)",
}

TOWNSHIPS = ["巴彦浩特镇", "嘉尔嘎勒赛汉镇", "吉兰泰镇", "宗别立镇", "温都尔勒图镇", "敖伦布拉格镇", "巴润别立镇",
             "乌斯太镇", "腾格里额里斯镇", "银根苏木", "超格图呼热苏木", "乌力吉苏木", "巴彦木仁苏木",
             "巴彦诺日公苏木", "额尔克哈什哈苏木"]
SECTORS = ["清洁能源", "煤化工/盐化工", "基础设施", "生态环境", "文化旅游", "社会事业和民生", "城镇化建设", "农牧林水"]

# Art. 10 / docs/measures.md §7: problem kinds in classification order, keywords, owner department.
PROBLEM_KINDS: list[tuple[str, list[str], str]] = [
    ("规划", ["规划"], "自然资源局"),
    ("土地", ["土地", "用地", "林地", "草原征占"], "自然资源局"),
    ("环评", ["环评", "环境影响"], "生态环境分局"),
    ("能评", ["能评", "节能"], "发改委"),
    ("立项", ["立项", "可研批复", "核准", "备案"], "发改委"),
    ("设计", ["设计", "图纸", "施工图"], "住建局"),
    ("水保", ["水保", "水土保持"], "水务局"),
    ("招标", ["招标", "招投标", "采购"], "公共资源交易中心"),
    ("资金", ["资金", "融资", "贷款", "债券"], "财政局"),
    ("征地拆迁", ["征地", "拆迁", "搬迁"], "属地苏木镇"),
    ("其他", [], "主管部门"),
]


# Chinese names of the fields a finding can name, as the template's headers say them (return lists).
_FIELD_EXTRA_CN = {"signed": "主要领导签字", "received": "收到日期", "report_date": "填报日期", "period": "报送期次",
                   "start_type": "开工类型", "note": "备注"}


def field_cn(field) -> str | None:
    """The template's header for a field code (``annual_completed`` → 本年完成投资); never an English code."""
    if not field:
        return None
    for table in (REPORT_FIELDS, SCHEDULE_FIELDS):
        if field in table:
            return table[field][0]
    return _FIELD_EXTRA_CN.get(field, "其他")


# Categories offered in the template's 未开（复）工原因 dropdown (other text stays allowed).
UNSTARTED_REASONS = ["前期手续未办结", "用地未落实", "资金未到位", "设计未完成", "招标未完成", "冬休停工", "其他"]
