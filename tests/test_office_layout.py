"""The 公文's layout rules, without an office suite (docs/rendering.md §11): titles broken between words, table
columns that hold their numbers, headers that wrap between words, the docx's font table.
``tests/test_office_measured.py`` measures the same on the rendered pages."""
from __future__ import annotations

import datetime as dt
import re
import zipfile

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from alxa_lib import params
from alxa_lib.reports.official.document import OfficialDocument
from alxa_lib.reports.official.docx_write import write_docx
from alxa_lib.reports.official.layout import (MM, geometry, header_lines, signature_indents_pt, table_plan,
                                              title_lines, title_segments, width_chars)
from alxa_lib.reports.official.paging import cell_lines, width_em

DOC = params.load("document")

periods = st.one_of(
    st.builds(lambda y, q: f"{y}年第{q}季度", st.integers(2020, 2035), st.sampled_from("一二三四")),
    st.builds(lambda y: f"{y}年度", st.integers(2020, 2035)),
    st.builds(lambda y, m, d: f"截至{y}年{m}月{d}日", st.integers(2020, 2035), st.integers(1, 12), st.integers(1, 28)),
)
titles = st.builds(lambda p, whole, what: f"关于{p}{whole}重点建设项目{what}的通报", periods,
                   st.sampled_from(["", "全旗"]), st.sampled_from(["考评结果", "考评排名情况", "进展情况"]))


@given(titles)
def test_titles_break_between_words_on_balanced_lines(title):
    lines = title_lines(title)
    room = geometry().type_w * MM / DOC["sizes_pt"]["title"]
    assert "".join(lines) == title
    assert all(width_chars(ln) <= room for ln in lines)
    assert len(lines) == (1 if width_chars(title) <= room else 2)
    bounds = {sum(len(s) for s in title_segments(title)[:i]) for i in range(len(title_segments(title)) + 1)}
    assert all(sum(len(x) for x in lines[:i]) in bounds for i in range(len(lines)))  # only between words
    assert lines[-1] not in ("通报", "的通报") and not any(ln.startswith("的") for ln in lines)
    if len(lines) == 2:  # the most even split of those allowed
        best = min(abs(width_chars(title[:b]) - width_chars(title[b:])) for b in bounds
                   if 0 < b < len(title) and max(width_chars(title[:b]), width_chars(title[b:])) <= room
                   and title[b:] not in ("通报", "的通报"))
        assert abs(width_chars(lines[0]) - width_chars(lines[1])) == best


def test_the_titles_of_the_issue_keep_their_phrases():
    assert title_lines("关于2025年第二季度重点建设项目考评结果的通报") == ["关于2025年第二季度", "重点建设项目考评结果的通报"]
    assert title_lines("关于2025年度重点建设项目考评排名情况的通报") == ["关于2025年度重点建设项目", "考评排名情况的通报"]


def test_headers_wrap_only_between_words_and_before_their_unit():
    assert header_lines("年度计划投资（万元）", 5) == ["年度计划", "投资", "（万元）"]
    assert header_lines("年度计划投资（万元）", 7) == ["年度计划投资", "（万元）"]
    assert header_lines("完成率", 2) == ["完成率"]  # one word: never "完成/率"
    assert header_lines("前期手续完备", 4) == ["前期手续", "完备"]


def test_numbers_ids_and_dates_get_columns_that_hold_them():
    df = pd.DataFrame({"单位": ["交通运输局", "阿拉善左旗城市管理综合执法局"], "项目编号": ["2025-QQ-027", "2025-ZD-T01"],
                       "扣分": [16.67, 35.0], "依据": ["未办结：环评、初步设计、招标、施工许可" * 2, "季度末完成年度投资"]})
    plan = table_plan(df)
    pad = 2 * DOC["table"]["cell_padding_pt"]
    for i, col in enumerate(df.columns[1:3], 1):
        assert plan.keeps(i)
        longest = max(width_chars(f"{v:.2f}" if isinstance(v, float) else v) for v in df[col])
        assert plan.widths_mm[i] * MM - pad >= longest * plan.font_pt  # never wrapped
    assert plan.numeric == (False, False, True, False)
    assert table_plan(pd.DataFrame({"单位": ["甲"], "完成率": ["19.4%"]})).numeric == (False, True)  # right-aligned
    assert sum(plan.widths_mm) <= (geometry().type_h if plan.landscape else geometry().type_w) + 0.1


def test_text_cells_never_leave_one_character_on_a_line():
    for text in ["乌斯太镇老旧小区改造项目", "温都尔勒图镇矿山地质环境治理项目", "施工图设计需修改，影响招标"]:
        for width_chars_ in range(4, 16):
            lines = cell_lines(text, (width_chars_ + DOC["table"]["wrap_slack_em"]) * 14, 14)
            assert "".join(lines) == text
            assert len(lines) == 1 or all(len(ln) > 1 for ln in lines), lines


def test_signature_with_seal_centres_the_office_over_the_date():
    pitch = geometry().char_pt
    office, date = signature_indents_pt("阿拉善左旗发展和改革委员会", "2025年6月28日")
    assert date == round(DOC["signature_right_chars"] * pitch, 2)
    w_o, w_d = width_em("阿拉善左旗发展和改革委员会") * pitch, width_em("2025年6月28日") * pitch
    assert abs((office + w_o / 2) - (date + w_d / 2)) < 0.01  # the same centre


def test_docx_font_table_declares_the_official_fonts_with_fallbacks(tmp_path):
    d = OfficialDocument(kind="quarter", masthead="测试机关文件", number="", issuer="测试机关", date=dt.date(2025, 6, 28),
                         title="关于测试的通报", recipients="")
    path = write_docx(d, tmp_path / "t.docx")
    table = zipfile.ZipFile(path).read("word/fontTable.xml").decode("utf-8")
    names = dict(re.findall(r'<w:font w:name="([^"]+)"><w:altName w:val="([^"]*)"', table))
    for official in ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"):
        assert names[official] == DOC["pdf_fonts"][official]["family"]
    assert "ＭＳ 明朝" not in table and "Calibri" not in table and "Cambria" not in table


def test_signature_without_seal_per_7_3_5_2(monkeypatch):
    """``seal: false``: the office two characters in from the right, the date starting two characters right
    of the office's start."""
    from alxa_lib.reports.official import layout
    monkeypatch.setattr(layout, "config", lambda: {**DOC, "seal": False})
    pitch = geometry().char_pt
    office, date = signature_indents_pt("阿拉善左旗发展和改革委员会", "2025年6月28日")
    w_o, w_d = width_em("阿拉善左旗发展和改革委员会") * pitch, width_em("2025年6月28日") * pitch
    assert office == round(2 * pitch, 2)
    right = geometry().type_w * MM
    assert abs((right - date - w_d) - (right - office - w_o + 2 * pitch)) < 0.01  # date starts 2 characters right
