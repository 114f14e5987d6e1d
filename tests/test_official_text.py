"""The 公文 text on hand-built figures: natural sentences for 0, 1 and many (docs/rendering.md §11)."""
from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from alxa_lib import params
from alxa_lib.reports.official import brief_text as bt
from alxa_lib.reports.official import evaluation_text as et
from alxa_lib.reports.official.document import number_text
from alxa_lib.reports.official.wording import cn_date, cn_number, enumerate_named, join, percent

LIMITS = params.load("document")["limits"]


def test_wording_helpers():
    assert join([]) == "" and join(["甲"]) == "甲" and join(["甲", "乙"]) == "甲和乙"
    assert join(["甲", "乙", "丙"]) == "甲、乙和丙"
    assert enumerate_named(["a", "b", "c"], 2, "个单位") == "a、b等3个单位"
    assert cn_number(2) == "二" and cn_number(10) == "十" and cn_number(14) == "十四" and cn_number(23) == "二十三"
    assert percent(0.7) == "70%" and percent(0.6823) == "68.2%" and percent(None) == "—"
    import datetime as dt
    assert cn_date(dt.date(2025, 6, 8)) == "2025年6月8日"


@given(st.lists(st.text(alphabet="甲乙丙丁戊己庚辛", min_size=1, max_size=4), max_size=12))
def test_join_names_every_item_once(items):
    text = join(items)
    assert text.count("和") <= 1 + sum(i.count("和") for i in items)
    if len(items) > 1:
        assert text.endswith("和" + items[-1])


def test_number_forms():
    assert number_text("brief", "12", 2025) == "第12期"
    assert number_text("quarter", 3, 2025) == "阿左发改发〔2025〕3号"
    assert number_text("annual", "阿左发改字〔2026〕1号", 2025) == "阿左发改字〔2026〕1号"
    assert number_text("brief", "", 2025) == "" and number_text("brief", None, 2025) == ""


def _m(by_department, red=0, yellow=0, green=10, needed=3, next_target=0.7, late=(), missing=()):
    return {"commencement": {"started": 7, "total": 10, "rate": 0.7, "next_target": next_target,
                             "next_target_date": "2025-06-30" if next_target else None, "needed": needed},
            "by_department": by_department,
            "investment": {"annual_completed": 500.0, "annual_planned": 1000.0, "rate": 0.5, "time_progress": 0.49},
            "lights": {"red": red, "yellow": yellow, "green": green},
            "submissions": {"due": 3, "on_time": 3 - len(late) - len(missing), "late": len(late),
                            "missing": len(missing)}}


def _d(name, started, total):
    return {"department": name, "started": started, "total": total, "rate": started / total}


def test_commencement_zero_one_many():
    assert bt.commencement_lagging(_m([_d("甲", 8, 10)]), 2025) == "各单位开（复）工率均已达到70%的目标。"
    one = bt.commencement_lagging(_m([_d("甲", 8, 10), _d("乙", 1, 4)]), 2025)
    assert one == "开（复）工率低于70%目标的单位为乙（开工1个/共4个，25.0%）。"
    many = bt.commencement_lagging(_m([_d("甲", 3, 10), _d("乙", 1, 4), _d("丙", 6, 10)]), 2025, "（详见附件1）")
    assert many.startswith("开（复）工率低于70%目标的单位有3个，由低到高依次为乙（开工1个/共4个，25.0%）、甲（开工3个/共10个，30.0%）和丙（开工6个/共10个，60.0%）")
    assert "附件" not in many  # all named: no need to point to the 附件
    lots = [_d(f"单位{i}", i, 20) for i in range(1, LIMITS["departments_named"] + 3)]
    text = bt.commencement_lagging(_m(lots), 2025, "（详见附件1）")
    assert "、单位5（开工5个/共20个，25.0%）等（详见附件1）。" in text and text.count(f"{len(lots)}个") == 1  # counted once
    assert f"单位{len(lots)}（" not in text  # the best of the laggards is left to the 附件


def test_overall_target_reached_and_not():
    import datetime as dt
    day = dt.date(2025, 6, 28)
    text = bt.overall(_m([]), day)
    assert "共10个，已开（复）工7个，开（复）工率70.0%，距6月30日开（复）工率70%的目标尚差3个项目。" in text
    assert "年度计划投资1000万元，已完成500万元，完成率50.0%，快于时间进度（49.0%）1.0个百分点。" in text
    assert "已达到6月30日" in bt.overall(_m([], needed=0), day)
    assert "目标" not in bt.overall(_m([], next_target=None), day)


def test_lights_zero_one_many():
    assert bt.lights_text({"red": 0, "yellow": 0, "green": 9}, [], "") == "本期绿灯项目9个，无红灯、黄灯项目。"
    text = bt.lights_text({"red": 0, "yellow": 2, "green": 9}, [], "附件3")
    assert text == "本期黄灯项目2个、绿灯项目9个，无红灯项目。黄灯项目及原因详见附件3。"
    one = bt.lights_text({"red": 1, "yellow": 0, "green": 9}, [("某路", "交通运输局", "停工")], "附件3")
    assert "红灯项目为某路（交通运输局，停工）。" in one and "红灯项目及原因详见附件3。" in one
    reds = [(f"项目{i}", "甲", "") for i in range(LIMITS["projects_named"] + 2)]
    many = bt.lights_text({"red": len(reds), "yellow": 1, "green": 0}, reds, "附件3")
    assert f"等{len(reds)}个。" in many and "项目0（甲）" in many and f"项目{len(reds) - 1}" not in many


def test_submissions_zero_one_many():
    base = {"due": 3, "on_time": 3, "late": 0, "missing": 0, "late_departments": [], "missing_departments": []}
    assert bt.submissions_text(base) == "本期应报送单位3个，均已按时报送。"
    one = {**base, "on_time": 2, "missing": 1, "missing_departments": ["水务局"]}
    assert bt.submissions_text(one) == "本期应报送单位3个，按时报送2个，未报1个（水务局）。"
    two = {**base, "on_time": 0, "late": 2, "missing": 1, "late_departments": ["甲", "乙"], "missing_departments": ["丙"]}
    assert bt.submissions_text(two) == "本期应报送单位3个，按时报送0个，迟报2个（甲和乙），未报1个（丙）。"


def test_problems_and_decisions():
    assert bt.problems_text(pd.DataFrame()) == "目前无未解决的问题。"
    probs = pd.DataFrame({"问题类型": ["土地", "土地", "资金"], "责任单位": ["自然资源局", "自然资源局", "财政局"],
                          "超期天数": [0, 5, 0]})
    text = bt.problems_text(probs, "（详见附件4）")
    assert text == ("目前尚未解决的问题共3个，其中土地类2个、资金类1个；涉及责任单位2个，问题较多的是自然资源局（2个）和"
                    "财政局（1个）；已超过解决时限的1个（详见附件4）。")
    one = bt.problems_text(probs.head(1))
    assert one == "目前尚未解决的问题共1个，均为土地类；涉及责任单位1个，为自然资源局（1个）；均未超过解决时限。"
    empty = pd.DataFrame(columns=["会议日期", "议定事项", "责任单位", "完成时限", "情况", "逾期天数"])
    assert "无逾期未完成事项" in bt.decisions_text(empty)
    d = pd.DataFrame([{"议定事项": "协调用地", "责任单位": "自然资源局", "情况": "未完成", "逾期天数": 12},
                      {"议定事项": "拨付资金", "责任单位": "财政局", "情况": "2025-06-01逾期完成", "逾期天数": 3}])
    assert bt.decisions_text(d) == "联席会议议定事项逾期未完成1项：“协调用地”（自然资源局，逾期12天）。"


def test_requirements_chosen_by_situation():
    sub_ok = {"late": 0, "missing": 0}
    calm = bt.requirements(_m([], needed=0), sub_ok, False, 0, 0)
    assert [b.text for b in calm if b.level == "h2"] == ["（一）推动剩余项目开工"]
    busy = bt.requirements(_m([], red=2, needed=4), {"late": 1, "missing": 0}, True, 3, 1)
    heads = [b.text for b in busy if b.level == "h2"]
    assert heads[0] == "（一）加快项目开（复）工" and len(heads) == 5
    assert "还需开（复）工4个项目" in busy[1].text
    done = bt.requirements({**_m([], needed=0), "commencement": {"started": 10, "total": 10, "rate": 1.0,
                                                                  "next_target": None, "next_target_date": None,
                                                                  "needed": 0}}, sub_ok, False, 0, 0)
    assert [b.text for b in done if b.level == "h2"] == ["（一）保持良好态势"]


def test_quarter_sentences():
    deps = [{"department": "甲", "score": 95.0}, {"department": "乙", "score": 80.123}, {"department": "丙", "score": 80.12}]
    ranked = et.quarter_ranking(deps)
    assert [(r["department"], r["rank"]) for r in ranked] == [("甲", 1), ("丙", 2), ("乙", 2)]
    assert et.quarter_overall(2025, 2, ranked, 30) == ("2025年第二季度共考评项目主管部门3个、项目30个，平均得分85.08分；"
                                                       "最高分甲95.00分，最低分乙80.12分。")
    assert et.good_scores(ranked, 90) == "得分在90分以上的单位为甲（95.00分）。"
    assert et.good_scores(ranked, 99) == "本季度没有得分在99分以上的单位。"
    low = et.bottom_text(ranked, 1, "附件2")
    assert low == "得分排名靠后的单位是丙（第2名，80.12分）和乙（第2名，80.12分）。上述单位要对照扣分项逐项整改，扣分明细见附件2。"
    assert et.bottom_text(ranked[:1], 1) == ""


def test_annual_sentences():
    ranking = [{"rank": 1, "department": "甲", "score": 92.5}, {"rank": 2, "department": "乙", "score": 70.0}]
    assert et.commendation_text([], 90).startswith("本年度没有年终得分在90分以上且无追责情形的单位")
    assert et.commendation_text([{"department": "甲", "score": 92.5}], 90) == "甲（92.50分）年终得分在90分以上且无追责情形，予以通报表扬。"
    bottom = [{"department": "乙", "trigger": "bottom_ranking", "project_id": None}]
    assert et.accountability_text(bottom, ranking) == [
        "年终分值排序靠后的单位是乙（第2名，70.00分），依照《办法》第十三条第四项提出追责建议。", "本年度无其他拟追责情形。"]
    other = bottom + [{"department": "乙", "trigger": "start_overdue"}, {"department": "甲", "trigger": "start_overdue"}]
    other.append({"department": "乙", "trigger": "start_overdue"})
    # the units named are those with the most cases: 乙 (2) before 甲 (1), whatever their code points
    assert et.accountability_text(other, ranking, "附件2")[1] == \
        "其他拟追责情形3条（迟迟不开工3条），涉及乙（2条）和甲（1条），事实依据见附件2。"
    many = [{"department": d, "trigger": "start_overdue"} for d, n in
            (("乌斯太镇", 1), ("交通运输局", 1), ("住建局", 1), ("农牧局", 8), ("教育局", 6), ("宗别立镇", 5)) for _ in range(n)]
    text = et.accountability_text(many, ranking)[-1]
    assert "涉及农牧局（8条）、教育局（6条）、宗别立镇（5条）" in text


def test_a_count_is_said_once_and_lost_points_per_project():
    ranked = et.quarter_ranking([{"department": f"单位{i}", "score": 99.0 - i} for i in range(9)])
    text = et.good_scores(ranked, 90)
    assert text.count("9个") == 1 and "等9个单位" not in text, text
    assert text.startswith("得分在90分以上的单位有9个，前五位是单位0（99.00分）")
    lost = pd.DataFrame({"单位": ["甲", "甲", "乙"], "项目编号": ["A", "B", "C"], "扣分项": ["开工", "开工", "开工"],
                         "扣分": [10.0, 20.0, 30.0]})
    said = et.lost_points(lost)
    assert "共扣" not in said and said == "失分全部在开工（3个项目扣分，平均每个项目扣20.00分）。"


def test_the_measures_are_cited_in_full_once_then_as_banfa():
    assert et.MEASURES == "《阿拉善左旗重点建设项目监控管理办法》（以下简称《办法》）"


def test_red_projects_named_furthest_behind_first():
    red = f"{bt.LIGHT_SYMBOL['red']} {bt.LIGHT_CN['red']}"
    table = pd.DataFrame({"亮灯": [red] * 3, "项目名称": ["甲项目", "乙项目", "丙项目"], "单位": ["住建局"] * 3,
                          "原因": ["投资进度指数 0.67", "投资进度指数 0.09", "投资进度指数 0.15"]})
    assert [n for n, _, _ in bt.red_projects(table)] == ["乙项目", "丙项目", "甲项目"]


def test_figures_in_a_sentence_add_up_as_printed_and_money_reads_in_yi():
    from alxa_lib.reports.official.wording import cn_text, money, rate, rate_gap
    assert rate_gap(0.4904, 0.1936) == 29.6  # 49.0% − 19.4% as printed, not 29.68 → 29.7
    assert rate(0.31) == "31.0%" and rate(0.625) == "62.5%"
    assert money(1816105.0) == "181.61亿元" and money(9300.0) == "9300万元" and money(12.5) == "12.5万元"
    assert cn_text("计划2025-05-01开工，第1季度") == "计划2025年5月1日开工，第一季度"
    assert cn_text("2025-ZD-010") == "2025-ZD-010"  # a project id is not a date
    assert cn_text("完成年度投资18,165.00万元，节点24,362.00万元") == "完成年度投资18165.00万元，节点24362.00万元"
    import datetime as dt
    m = {"commencement": {"total": 90, "started": 66, "rate": 66 / 90, "next_target": None},
         "investment": {"rate": 0.1936, "time_progress": 0.4904, "annual_planned": 1816105.0, "annual_completed": 351800.0}}
    text = bt.overall(m, dt.date(2025, 6, 28))
    assert "年度计划投资181.61亿元，已完成35.18亿元，完成率19.4%，慢于时间进度（49.0%）29.6个百分点。" in text


def test_attachment_tables_write_dates_and_quarters_as_the_text_does():
    import datetime as dt
    from alxa_lib.reports.official.document import as_written
    t = as_written(pd.DataFrame({"单位": ["甲"], "第1季度": [90.0], "日期": [dt.date(2025, 7, 24)], "依据": ["计划2025-05-01开工"]}))
    assert list(t.columns) == ["单位", "第一季度", "日期", "依据"]
    assert t.iloc[0].tolist() == ["甲", 90.0, "2025年7月24日", "计划2025年5月1日开工"]


def test_figures_in_a_table_keep_the_precision_of_their_kind():
    """A gap between rates (百分点) to one decimal with a hyphen-minus, never "-34.10" nor "-0.0"; money keeps
    two decimals (params table.decimals)."""
    from alxa_lib.reports.official.document import as_written
    from alxa_lib.reports.official.layout import cell_text
    df = pd.DataFrame({"单位": ["甲", "乙", "丙"], "年度计划投资（万元）": [18165.0, 1.5, 2.0],
                       "与时间进度比较（百分点）": [-34.1, 0.0, -0.04]})
    out = as_written(df)
    assert [cell_text(v) for v in out["与时间进度比较（百分点）"]] == ["-34.1", "0.0", "0.0"]
    assert [cell_text(v) for v in out["年度计划投资（万元）"]] == ["18165.00", "1.50", "2.00"]


def test_units_with_equal_figures_follow_the_office_order_not_code_points():
    """The units named are those with most cases; between equal counts the office's order of units
    (params/banner.yaml unit_order: 政府部门, then 苏木镇): 住建局、交通运输局 before 宗别立镇, and 乌斯太镇 (first by
    code point) is the one left to the count."""
    ranking = [{"rank": 1, "department": "甲", "score": 92.5}]
    cases = (("乌斯太镇", 4), ("交通运输局", 4), ("住建局", 4), ("宗别立镇", 4), ("农牧局", 8), ("教育局", 6))
    many = [{"department": d, "trigger": "start_overdue"} for d, n in cases for _ in range(n)]
    assert et.accountability_text(many, ranking)[-1] == (
        "其他拟追责情形30条（迟迟不开工30条），涉及农牧局（8条）、教育局（6条）、住建局（4条）、交通运输局（4条）、"
        "宗别立镇（4条）等6个单位。")
    ranked = et.quarter_ranking([{"department": d, "score": 91.0} for d in ("乌斯太镇", "宗别立镇", "交通运输局")])
    assert [r["department"] for r in ranked] == ["交通运输局", "宗别立镇", "乌斯太镇"]


def test_a_neutral_list_follows_the_unit_order_of_the_parameters(monkeypatch):
    from helpers import with_params
    from alxa_lib.reports.content.labels import by_units
    sub = {"due": 22, "on_time": 19, "late_departments": ["乌斯太镇", "宗别立镇", "住建局"], "missing_departments": []}
    assert bt.submissions_text(sub) == "本期应报送单位22个，按时报送19个，迟报3个（住建局、宗别立镇和乌斯太镇）。"
    assert by_units(["乌斯太镇", "交通运输局", "未列单位", "住建局"]) == ["住建局", "交通运输局", "乌斯太镇", "未列单位"]
    with_params(monkeypatch, "banner", unit_order=["乌斯太镇", "住建局", "宗别立镇"])  # another office's order
    assert bt.submissions_text(sub) == "本期应报送单位22个，按时报送19个，迟报3个（乌斯太镇、住建局和宗别立镇）。"


def test_the_last_lines_kept_with_the_signature():
    """The 落款 takes at least two lines of body text with it: the last paragraph, and the one before it when
    the last fits one line (26 characters after the 2-character indent)."""
    from alxa_lib.reports.official.layout import kept_with_signature
    long = "各单位要对照考评结果和扣分明细，查找项目推进、信息报送和问题处理中的薄弱环节。"  # 39 characters: two lines
    assert kept_with_signature([long, long]) == 1
    assert kept_with_signature([long, "请各单位认真落实。"]) == 2
    assert kept_with_signature(["请各单位认真落实。"]) == 1 and kept_with_signature([]) == 0


def test_attachments_are_numbered_only_when_there_are_several():
    """GB/T 9704 7.3.4: 附件：名称 for a lone 附件, 附件：1. 名称 / 2. 名称 for several; the label and the text's
    reference follow."""
    import datetime as dt

    from alxa_lib.reports.official.document import add_attachment, frame, ref, see
    one = pd.DataFrame({"项目编号": ["2025-ZD-001"]})
    doc = frame("notice", "关于开展重点建设项目实地督查的通知", dt.date(2025, 9, 28), None, 2025)
    add_attachment(doc, "list", "实地督查项目名单", one)
    assert doc.attachment_list() == ["附件：实地督查项目名单"]
    assert (doc.attachment_label(1), ref(doc, "list"), see(doc, "list")) == ("附件", "附件", "（详见附件）")
    add_attachment(doc, "more", "另一名单", one)
    assert doc.attachment_list() == ["附件：1. 实地督查项目名单", "2. 另一名单"]
    assert (doc.attachment_label(2), ref(doc, "more"), see(doc, "list")) == ("附件2", "附件2", "（详见附件1）")
    assert ref(doc, "absent") == "" and see(doc, "absent") == ""
