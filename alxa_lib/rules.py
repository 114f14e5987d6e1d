"""The registry of finding codes (docs/measures.md §4): code → severity, article, message template.

The codes are a contract. Checks live in ``alxa_lib.checks.validate``; reader findings use the same codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    article: str
    message: str  # Chinese template, formatted with the finding's details
    fix: str = ""  # what the department should do (return list)


RULES: dict[str, Rule] = {r.code: r for r in [
    Rule("UNPARSEABLE_VALUE", "error", "第八条", "单元格内容“{value}”无法识别为{expected}", "按模板格式填写数字或日期"),
    Rule("REQUIRED_MISSING", "error", "第六条、第八条", "必填项“{label}”为空", "补填该项"),
    Rule("UNSTARTED_NO_REASON", "error", "第六条第二款", "未开工项目缺少{missing}", "说明未开（复）工原因并填写预计开（复）工日期"),
    Rule("STARTED_NO_DATE", "error", "第六条第二款", "项目状态为“{value}”但未填写开（复）工日期", "填写实际开（复）工日期"),
    Rule("NO_PROGRESS_TEXT", "warning", "第六条第四款", "已开工项目未填写形象进度及占比", "填写形象进度描述和占比"),
    Rule("CUMULATIVE_LT_ANNUAL", "error", "第六条第一款", "累计完成投资{cumulative}万元小于本年完成投资{annual}万元", "核对投资数据"),
    Rule("CUMULATIVE_GT_TOTAL", "error", "第六条第一款", "累计完成投资{cumulative}万元超过总投资{total}万元{hint}，不计入统计", "核对投资数据（单位为万元）"),
    Rule("AMOUNT_ABOVE_PROJECT", "error", "第六条第一款", "{label}{value}万元超过{limit_label}{limit}万元{hint}，不计入统计", "核对投资数据（单位为万元）后更正"),
    Rule("PERCENT_OUT_OF_RANGE", "error", "第六条第四款", "形象进度占比{value}%超出0–100范围", "填写0–100之间的百分比"),
    Rule("DATE_OUT_OF_RANGE", "error", "第六条第二款", "{label}“{value}”不在合理范围内（{why}）", "核对日期"),
    Rule("EXPECTED_START_PAST", "warning", "第六条第二款", "未开工项目的预计开（复）工日期{value}早于报表截至日{period_due}", "更新预计开（复）工日期"),
    Rule("EXPECTED_START_MOVED_BACK", "warning", "第六条第二款", "预计开（复）工日期由上期{previous}提前为{value}", "核对预计开（复）工日期，确已提前请说明原因"),
    Rule("TOTAL_ROW_MISMATCH", "warning", "第六条第一款", "合计行“{label}”为{value}，与各行之和{expected}不符", "核对合计行"),
    Rule("INVESTMENT_DECREASED", "error", "第六条", "{label}由上期{previous}万元减少为{value}万元", "投资数据只能累加，核对后更正"),
    Rule("STATUS_REGRESSED", "error", "第六条", "开复工状态由上期“{previous}”倒退为“{value}”", "核对项目状态"),
    Rule("COMPLETED_STILL_REPORTED", "warning", "第六条第四款", "项目已于{completed_period}报告完工，已完工项目不再报送", "删除该行"),
    Rule("LOCKED_INDICATOR_CHANGED", "error", "第五条", "{label}为{value}，与计划{expected}不一致（指标不得擅自调整）", "按计划填写；确需调整请走项目调整程序"),
    Rule("PROJECT_MISSING", "error", "第五条、第六条", "计划内项目“{name}”未在本期报表中报送", "补报该项目"),
    Rule("PROJECT_UNKNOWN", "error", "第五条", "项目“{name}”与计划中的项目均不匹配{suggest}", "使用计划中的项目编号和名称"),
    Rule("NAME_MATCHED", "info", "第八条", "未填项目编号，已按名称匹配为{project_id}", "填写项目编号"),
    Rule("MODIFIED_AFTER_SUBMISSION", "warning", "第六条", "更正版修改了已报送数据：{label}由{previous}改为{value}", "数据一经上报不得擅自修改，请说明原因"),
    Rule("LATE_REPORT", "warning", "第六条", "报表于{received}收到，晚于报送期限{due}", "按时报送"),
    Rule("MISSING_REPORT", "error", "第六条", "截至{next_due}未收到{due}期报表", "立即补报"),
    Rule("START_REPORT_LATE", "warning", "第七条", "项目{start_date}开（复）工，{reported}才报送", "当日开（复）工当日报送"),
    Rule("NOT_SIGNED", "warning", "第六条、第七条", "报表未经主要领导签字", "由主要领导审核签字"),
    Rule("LIAISON_CHANGED", "info", "第八条", "联络员“{value}”与登记的“{expected}”不一致", "联络员变动请及时告知发改委"),
    Rule("SCHEDULE_LATE", "warning", "第四条", "倒排工期计划于{received}报送，晚于{due}", "按时报送倒排工期计划"),
    Rule("CALIBRATION_OUTSIDE_WINDOW", "warning", "第四条", "校准版倒排工期计划于{received}报送，不在{start}至{end}校准期内", "在校准期内报送"),
    Rule("APPROXIMATE_DATE", "info", "第八条", "日期“{value}”不精确，按{date}记录并标注为约数", "填写具体日期（年月日）"),
    Rule("TWO_REPORT_SHEETS", "warning", "第八条", "工作簿中“{chosen}”和“{other}”两个工作表都像报表，已采用“{chosen}”", "只保留一个报表工作表后重新报送"),
    Rule("DUPLICATE_PROJECT", "error", "第五条、第八条", "项目编号{project_id}在本表中出现{count}次（第{rows}行），两行数据均不采用", "删除重复行，每个项目只填一行"),
    Rule("PERIOD_MISMATCH", "warning", "第六条", "{label}“{value}”与文件所在期次{filed}不符", "核对标题或填报日期"),
    Rule("EXTRA_COLUMN", "info", "—", "表中有模板以外的列“{label}”，已忽略", ""),
    Rule("EXTRA_SHEET", "info", "—", "工作表“{name}”不属于{kind}，已忽略（登记簿只由发改委维护）", "登记簿事项请另行告知发改委"),
    Rule("INSPECTION_MISMATCH", "error", "第八条、第九条", "实地督查（{inspector}，{inspected_on}）发现{what}",
         "据实更正报送数据，并说明原因"),
]}

RULE_CN: dict[str, str] = {  # what a department reads in a return list instead of the code
    "UNPARSEABLE_VALUE": "内容无法识别", "REQUIRED_MISSING": "必填项为空", "UNSTARTED_NO_REASON": "未开工缺原因或预计日期",
    "STARTED_NO_DATE": "已开工缺开工日期", "NO_PROGRESS_TEXT": "缺形象进度", "CUMULATIVE_LT_ANNUAL": "累计投资小于本年投资",
    "CUMULATIVE_GT_TOTAL": "累计投资超过总投资", "AMOUNT_ABOVE_PROJECT": "投资超出项目规模", "PERCENT_OUT_OF_RANGE": "形象进度占比超范围", "DATE_OUT_OF_RANGE": "日期不合理",
    "TOTAL_ROW_MISMATCH": "合计行不符", "INVESTMENT_DECREASED": "投资减少", "STATUS_REGRESSED": "开复工状态倒退",
    "INSPECTION_MISMATCH": "与实地督查不符", "COMPLETED_STILL_REPORTED": "已完工项目仍在报送", "LOCKED_INDICATOR_CHANGED": "计划指标被改动",
    "PROJECT_MISSING": "计划内项目漏报", "PROJECT_UNKNOWN": "项目不在计划中", "NAME_MATCHED": "未填项目编号",
    "MODIFIED_AFTER_SUBMISSION": "更正版改动已报数据", "LATE_REPORT": "迟报", "MISSING_REPORT": "未报",
    "START_REPORT_LATE": "开工报告迟报", "NOT_SIGNED": "未经领导签字", "LIAISON_CHANGED": "联络员变动",
    "SCHEDULE_LATE": "倒排工期计划迟报", "CALIBRATION_OUTSIDE_WINDOW": "校准不在校准期内", "EXTRA_COLUMN": "模板外的列", "EXTRA_SHEET": "模板外的工作表",
    "APPROXIMATE_DATE": "日期不精确", "TWO_REPORT_SHEETS": "多个工作表像报表", "DUPLICATE_PROJECT": "项目编号重复",
    "PERIOD_MISMATCH": "报表日期与期次不符", "EXPECTED_START_PAST": "预计开工日期已过",
    "EXPECTED_START_MOVED_BACK": "预计开工日期提前",
}


def rule_cn(code) -> str | None:
    """The Chinese name of a finding code (the code itself when it has none)."""
    return RULE_CN.get(code, code) if code else None


# Codes the toolkit adds to guard its own input (docs/measures.md §4, "added by the toolkit"): they are not
# rules of the measures, so the sample year does not inject them; tests/test_reader.py and
# tests/test_messy.py raise each of them from a hand-made workbook.
TOOLKIT_CODES = frozenset({"EXTRA_COLUMN", "EXTRA_SHEET", "AMOUNT_ABOVE_PROJECT", "APPROXIMATE_DATE", "TWO_REPORT_SHEETS", "DUPLICATE_PROJECT", "PERIOD_MISMATCH"})

SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
FINDING_COLUMNS = ["rule", "severity", "department", "period", "project_id", "field", "sheet", "cell", "message"]


def finding(code: str, *, department: str | None = None, period: Any = None, project_id: str | None = None,
            field: str | None = None, sheet: str | None = None, cell: str | None = None, **details: Any) -> dict:
    """Build a finding dict with the registry's severity and a formatted Chinese message."""
    return finder(code, department=department, period=period, sheet=sheet)(project_id=project_id, field=field,
                                                                            cell=cell, **details)


def finder(code: str, *, department: str | None = None, period: Any = None, sheet: str | None = None
           ) -> Callable[..., dict]:
    """:func:`finding` of one code in one context (department, period, sheet), for many rows: the same dicts,
    with the rule and the period's text looked up once (a 20,000-row report can make 20,000 of them)."""
    rule = RULES[code]
    template, severity = rule.message, rule.severity
    period = period.isoformat() if hasattr(period, "isoformat") else period

    def make(*, project_id: str | None = None, field: str | None = None, cell: str | None = None,
             **details: Any) -> dict:
        try:
            message = template.format(project_id=project_id, field=field, cell=cell, **details)
        except (KeyError, IndexError):
            message = template
        return {"rule": code, "severity": severity, "department": department, "period": period,
                "project_id": project_id, "field": field, "sheet": sheet, "cell": cell, "message": message}
    return make
