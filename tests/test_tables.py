"""Report tables as HTML (render.table_html): typed cells that never break, headed columns, cards and folds
(docs/rendering.md §12); and the table orders and pages the reports promise."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from alxa_lib.reports.rendering.render import cell_kind, table_html


def test_numbers_dates_and_ids_are_marked_so_they_never_break():
    df = pd.DataFrame({"项目编号": ["2025-ZD-001"], "名称": ["<script>x</script>示范项目"], "总投资（万元）": [250000.0],
                       "开工日期": [dt.date(2025, 4, 20)], "完成率": ["45.2%"], "亮灯": ["▲ 黄灯"]})
    page = table_html(df, "明细", layout="scroll")
    assert "<td class='t-id'>2025-ZD-001</td>" in page
    assert "<td class='t-num'>250,000.00</td>" in page
    assert "<td class='t-date'>2025-04-20</td>" in page and "<td class='t-num'>45.2%</td>" in page
    assert "<td class='light-yellow'>▲ 黄灯</td>" in page
    assert "<td>&lt;script&gt;x&lt;/script&gt;示范项目</td>" in page  # text: no class, escaped
    assert page.count("<th scope='col'") == 6
    # a typed column is given the width of its longest value (the fixed layout of the PDF); text shares the rest
    assert re.search(r"<col class='c-num' style='width: [0-9.]+em'/>", page) and "<col class='c-text'/>" in page
    assert "role='region'" in page and "aria-label='明细'" in page  # scrolls in its own box, named


def test_kinds_of_cells():
    assert [cell_kind(None, t) for t in ("1,234.50", "-3.2", "12", "73.3%", "2025-06-28", "WT2025-001", "3/1/0")] \
        == ["num", "num", "num", "num", "date", "id", "id", "id"][:7]
    assert [cell_kind(None, t) for t in ("自然资源局", "2025-06-30 达到 70%", "—", "● 红灯", "")] == [None] * 5


def test_a_table_with_running_text_becomes_cards_and_an_appendix_folds():
    wide = pd.DataFrame({c: ["x"] for c in "ABCDE"} | {"存在问题": ["用地预审与选址意见书尚未批复，影响开工"]})
    narrow = pd.DataFrame({"单位": ["林业和草原局"], "得分": [96.5], "A": [1], "B": [2], "C": [3], "D": [4]})
    cards = table_html(wide, "明细")
    assert "alxa-cards" in cards and "data-label='存在问题'" in cards  # each value under its header on a phone
    assert "alxa-cards" not in table_html(narrow, "得分")  # numbers to compare: scroll, first column fixed
    assert "<col class='c-short' style='width: 7.0em'/>" in table_html(narrow)  # 林业和草原局: 6 em + 1
    assert "alxa-cards" in table_html(narrow, "得分", layout="cards")
    hostile = pd.DataFrame({"a' onmouseover='x": ["1"], **{c: ["项目" * 8] for c in "BCDEF"}})
    assert "data-label='a&#x27; onmouseover=&#x27;x'" in table_html(hostile)  # a header cannot add an attribute
    folded = table_html(narrow, "重点建设项目明细", fold=True)
    assert folded.startswith("<details class='alxa-fold'><summary>重点建设项目明细（1行，点击展开）</summary>")
    assert "<details" not in table_html(narrow, "得分")


def test_dates_and_ids_in_running_text_stay_whole_and_escaped():
    from alxa_lib.reports.rendering.render import keep_together
    assert keep_together("数据截至2025-06-28，项目2025-ZD-001 <b>") == (
        "数据截至<span class='alxa-nowrap'>2025-06-28</span>，项目<span class='alxa-nowrap'>2025-ZD-001</span> "
        "&lt;b&gt;")
    assert keep_together("开复工率73.3%") == "开复工率73.3%"  # nothing to hold together: no break inside anyway


def test_only_a_table_too_wide_for_a_portrait_page_is_printed_landscape():
    ids = [f"2025-ZD-{i:03d}" for i in range(3)]
    money = {f"投资{i}（万元）": [250000.0, 1.0, 2.0] for i in range(6)}
    text = {f"说明{i}": ["用地预审与选址意见书尚未批复"] * 3 for i in range(4)}
    wide = pd.DataFrame({"项目编号": ids, **money, **text})  # 7.3 + 6 × 6.7 + 4 × 8 em ≈ 80 em
    assert "alxa-scroll alxa-wide" in table_html(wide)
    assert "alxa-wide" not in table_html(wide.iloc[:, :7])  # ≈ 47 em: portrait


def test_an_appendix_heading_goes_with_its_table_onto_its_page():
    ids = [f"2025-ZD-{i:03d}" for i in range(3)]
    wide = pd.DataFrame({"项目编号": ids, **{f"投资{i}（万元）": [250000.0] * 3 for i in range(6)},
                         **{f"说明{i}": ["用地预审与选址意见书尚未批复"] * 3 for i in range(4)}})
    page = table_html(wide, "重点建设项目明细", fold=True, appendix="附表 <项目明细>")
    assert page.startswith("<div class='alxa-part alxa-wide'><h2 class='alxa-appendix'>附表 &lt;项目明细&gt;</h2>"
                           "<details class='alxa-fold'>")
