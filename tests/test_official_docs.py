"""The 公文 as written: the docx read back with python-docx, the PDF read with pdfplumber (docs/rendering.md §11).

The brief goes through the whole route (``alxa report brief --format docx,gwpdf``, papermill, the notebook);
the quarterly and year-end documents are built from the library calls the notebooks make. Every figure
of the text is compared with ``alxa metrics --json`` / ``alxa score --json`` / ``alxa rank --json``.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile

import pandas as pd
import pdfplumber
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from alxa_lib import cli, params
from alxa_lib.reports import official
from alxa_lib.reports.official.document import Block, OfficialDocument, add_attachment, frame
from alxa_lib.reports.official.layout import MM, geometry
from alxa_lib.reports.official.wording import money, percent, rate_gap
from alxa_lib.reports.official.wording import rate as rate_text

DOC = params.load("document")
DAY = dt.date(2025, 6, 28)


def cli_json(capsys, *argv) -> dict:
    assert cli.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def brief_files(reports_out):
    return reports_out["brief"]  # rendered once per session with docx and gwpdf, 期号 12


@pytest.fixture(scope="module")
def evaluation_files(evaluation_documents):
    return evaluation_documents  # the quarterly (2025Q2, 文号 3) and year-end 通报, written once per run


def body_paragraphs(document) -> list:
    return [p for p in document.paragraphs if p.text.strip()]


def text_of(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


# ---------------------------------------------------------------- the files
def test_brief_formats_write_the_docx_and_the_pdf(brief_files):
    names = {k: p.name for k, p in brief_files.items()}
    assert (names["docx"], names["gwpdf"]) == ("半月通报_2025-06-28.docx", "半月通报_2025-06-28_公文.pdf")
    assert not [p for p in brief_files["docx"].parent.iterdir() if p.name.startswith(".~")]  # atomic writes


def test_page_size_and_margins(brief_files):
    d = Document(brief_files["docx"])
    m = DOC["margins_mm"]
    first = d.sections[0]
    assert (round(first.page_width.mm, 1), round(first.page_height.mm, 1)) == (210.0, 297.0)
    assert [round(x.mm, 1) for x in (first.top_margin, first.bottom_margin, first.left_margin, first.right_margin)] \
        == [m["top"], m["bottom"], m["left"], m["right"]]
    assert round(first.page_width.mm - m["left"] - m["right"]) == 156
    assert round(first.page_height.mm - m["top"] - m["bottom"]) == 225
    for s in d.sections:  # landscape 附件 pages turn the same sheet: the type area is 225 × 156
        if s.orientation == WD_ORIENT.LANDSCAPE:
            assert round((s.page_width - s.left_margin - s.right_margin) / Mm(1)) == 225
            assert round((s.page_height - s.top_margin - s.bottom_margin) / Mm(1)) == 156


def test_body_style(brief_files):
    d = Document(brief_files["docx"])
    normal = d.styles["Normal"]
    pf = normal.paragraph_format
    assert normal.font.size == Pt(16)
    assert pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert 28.9 <= pf.line_spacing.pt <= 29.0 and pf.line_spacing.pt * 22 <= 225 * MM  # 22 lines in 225 mm
    char = 156 * MM / 28
    assert abs(pf.first_line_indent.pt - 2 * char) < 0.1  # two characters
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and fonts.get(qn("w:ascii")) == "Times New Roman"
    spacing = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20  # pt
    assert abs(28 * (16 + spacing) - 156 * MM) < 28 * 0.05  # 28 characters fill the line
    body = [p for p in body_paragraphs(d) if p.style.name == "Normal"]
    assert len(body) > 10
    assert all(r.font.size is None and r.font.name is None for p in body for r in p.runs)  # the style decides


def test_heading_styles_and_levels(brief_files):
    d = Document(brief_files["docx"])
    expect = {"Heading 1": ("黑体", False), "Heading 2": ("楷体_GB2312", False), "Heading 3": ("仿宋_GB2312", True)}
    for name, (font, bold) in expect.items():
        s = d.styles[name]
        assert s.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == font
        assert s.font.size == Pt(16) and bool(s.font.bold) is bold
        assert s.font.color.rgb is not None and str(s.font.color.rgb) == "000000"
    levels = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    h1 = [t for s, t in levels if s == "Heading 1"]
    assert h1[:2] == ["一、总体情况", "二、项目开（复）工情况"] and h1[-1].endswith("下步工作要求")
    assert all(re.match(r"（[一二三四五六七八九]）", t) for s, t in levels if s == "Heading 2")
    assert all(re.match(r"\d+\.", t) for s, t in levels if s == "Heading 3")
    depth = [int(s[-1]) for s, _ in levels]  # no level skipped: never 1. straight under 一、
    assert all(b <= a + 1 for a, b in zip([1] + depth, depth))
    assert "（一）未解决问题" in [t for _, t in levels]
    assert d.styles["公文标题"].font.size == Pt(22)
    title = next(p for p in d.paragraphs if p.style.name == "公文标题")  # on the lines layout.title_lines chose
    assert title.text.split("\n") == ["关于截至2025年6月28日全旗", "重点建设项目进展情况的通报"]


def test_page_numbers_are_page_fields_in_odd_and_even_footers(brief_files):
    d = Document(brief_files["docx"])
    with zipfile.ZipFile(brief_files["docx"]) as z:
        settings = z.read("word/settings.xml").decode()
    assert "<w:evenAndOddHeaders" in settings and d.settings.odd_and_even_pages_header_footer
    s = d.sections[0]
    for footer, align in ((s.footer, WD_ALIGN_PARAGRAPH.RIGHT), (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert 'w:fldCharType="begin"' in xml and "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert re.fullmatch(r"— \d+ —", p.text)  # the field's cached result between the dashes
        assert p.alignment == align
        assert p.style.font.size == Pt(14)
    with zipfile.ZipFile(brief_files["docx"]) as z:
        body = z.read("word/document.xml").decode()
    assert "fldChar" not in body and "fldSimple" not in body  # no field in the text itself


def test_attachments_start_new_pages_with_their_label(brief_files):
    d = Document(brief_files["docx"])
    body = list(d.element.body.iterchildren())
    labels = [i for i, el in enumerate(body) if el.tag == qn("w:p")
              and "".join(t.text for t in el.iter(qn("w:t"))).startswith("附件") and
              re.fullmatch(r"附件\d+", "".join(t.text for t in el.iter(qn("w:t"))))]
    assert len(labels) >= 3
    for i in labels:
        before = body[i - 1]
        page_break = any(b.get(qn("w:type")) == "page" for b in before.iter(qn("w:br")))
        section_break = before.find(qn("w:pPr")) is not None and before.find(qn("w:pPr")).find(qn("w:sectPr")) is not None
        assert page_break or section_break, f"附件 at element {i} does not start a page"
        style = d.paragraphs[[p._p for p in d.paragraphs].index(body[i])].style
        assert style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    listing = [p.text for p in d.paragraphs if p.text.startswith("附件：")]
    assert listing and listing[0].startswith("附件：1. ")


def test_attachment_tables_are_real_tables(brief_files):
    d = Document(brief_files["docx"])
    assert len(d.tables) >= 3
    for t in d.tables[:-1]:  # the last table is the 版记's
        header = t.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None  # repeated on every page
    by_dept = d.tables[0]
    assert [c.text.replace("\n", "") for c in by_dept.rows[0].cells] == ["单位", "已开复工（个）", "项目数（个）", "开复工率"]
    for row in by_dept.rows[1:]:
        assert row.cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT  # numbers right-aligned
        assert row.cells[0].paragraphs[0].alignment != WD_ALIGN_PARAGRAPH.RIGHT
    wide = [s for s in d.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert wide, "the problem list is wider than 156 mm and takes a landscape section"


# ---------------------------------------------------------------- figures in the text
def test_brief_figures_equal_metrics_json(brief_files, ledger_db, capsys):
    m = cli_json(capsys, "metrics", "--as-of", DAY.isoformat(), "--db", str(ledger_db[0]))
    text = text_of(Document(brief_files["docx"]))
    c, inv, lt, sub = m["commencement"], m["investment"], m["lights"], m["submissions"]
    assert f"共{c['total']}个，已开（复）工{c['started']}个，开（复）工率{rate_text(c['rate'])}" in text
    goal = f"6月30日开（复）工率{percent(c['next_target'])}的目标"
    assert (f"距{goal}尚差{c['needed']}个项目" if c["needed"] else f"已达到{goal}") in text
    assert f"年度计划投资{money(inv['annual_planned'])}，已完成{money(inv['annual_completed'])}，完成率{rate_text(inv['rate'])}" in text
    gap = rate_gap(inv["rate"], inv["time_progress"])  # from the two rates as printed
    assert f"{'快于' if gap > 0 else '慢于'}时间进度（{rate_text(inv['time_progress'])}）{abs(gap):.1f}个百分点" in text
    shown = [f"{n}项目{lt[k]}个" for n, k in (("红灯", "red"), ("黄灯", "yellow"), ("绿灯", "green")) if lt[k]]
    assert "本期" + "、".join(shown) in text
    assert (f"本期应报送单位{sub['due']}个，按时报送{sub['on_time']}个" in text if sub["on_time"] < sub["due"]
            else f"本期应报送单位{sub['due']}个，均已按时报送。" in text)
    # departments below the target: named with the counts of the JSON, worst first
    rate = c["next_target"]
    behind = sorted((d for d in m["by_department"] if d["total"] and d["rate"] < rate),
                    key=lambda d: (d["rate"], -d["total"], d["department"]))
    named = re.findall(r"([^、（：为]+)（开工(\d+)个/共(\d+)个，([\d.]+%)）", text)
    assert named, "no department named"
    for (name, started, total, pct), d in zip(named, behind):
        assert (name.strip("由低到高依次"), int(started), int(total), pct) == \
            (d["department"], d["started"], d["total"], rate_text(d["rate"]))
    # every number of 总体情况 comes from the JSON
    overall = next(p for p in text.split("\n") if p.startswith("截至2025年6月28日，全旗"))
    allowed = {str(x) for x in (c["total"], c["started"], 2025, 6, 28, 30)} | {
        rate_text(c["rate"])[:-1], percent(c["next_target"])[:-1], money(inv["annual_planned"])[:-2],
        money(inv["annual_completed"])[:-2], rate_text(inv["rate"])[:-1], rate_text(inv["time_progress"])[:-1],
        f"{abs(gap):.1f}", str(c["needed"])}
    assert set(re.findall(r"\d+(?:\.\d+)?", overall)) <= allowed


def test_quarter_figures_equal_score_json(evaluation_files, ledger_db, capsys):
    sj = cli_json(capsys, "score", "--quarter", "2025Q2", "--db", str(ledger_db[0]))
    doc, files = evaluation_files["quarter"]
    text = text_of(Document(files["docx"]))
    scores = {d["department"]: round(d["score"], 2) for d in sj["departments"]}
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    assert f"共考评项目主管部门{len(scores)}个、项目{len(sj['projects'])}个" in text
    assert f"最高分{ordered[0][0]}{ordered[0][1]:.2f}分，最低分{ordered[-1][0]}{ordered[-1][1]:.2f}分" in text
    mean = sum(r["score"] for r in doc.figures["ranking"]) / len(scores)
    assert f"平均得分{mean:.2f}分" in text
    for name, rank, score in re.findall(r"([^、（是和]+)（第(\d+)名，([\d.]+)分）", text):
        assert scores[name] == float(score)
        assert int(rank) == 1 + sum(s > scores[name] for s in scores.values())
    low = sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:params.load("scoring")["accountability_bottom_n"]]
    assert all(f"{n}（第" in text for n, _ in low)
    good = [n for n, s in scores.items() if s >= params.load("scoring")["commendation_min_score"]]
    assert f"得分在90分以上的单位有{len(good)}个" in text or (len(good) < 2)


def test_annual_figures_equal_rank_json(evaluation_files, ledger_db, capsys):
    rj = cli_json(capsys, "rank", "--year", "2025", "--db", str(ledger_db[0]))
    _, files = evaluation_files["annual"]
    text = text_of(Document(files["docx"]))
    by_name = {r["department"]: r for r in rj["ranking"]}
    assert f"共{len(rj['ranking'])}个项目主管部门参加考评" in text
    found = re.findall(r"([^、（是和]+)（第(\d+)名，([\d.]+)分）", text)
    assert len(found) >= 3
    for name, rank, score in found:
        assert by_name[name]["rank"] == int(rank) and f"{by_name[name]['score']:.2f}" == score
    commended = rj["commendation"]
    limit = DOC["limits"]["departments_named"]
    for c in commended[:limit]:
        assert f"{c['department']}（{c['score']:.2f}分）" in text
    if len(commended) > limit:
        assert f"等{len(commended)}个单位年终得分在" in text
    other = [t for t in rj["accountability"] if t["trigger"] != "bottom_ranking"]
    assert f"其他拟追责情形{len(other)}条" in text


def test_the_units_and_projects_named_are_those_that_matter_most(evaluation_files, brief_files):
    """The year-end 通报 names the units with most other cases (equal counts in the office's order of units);
    the brief names the red projects with the lowest 投资进度指数, never leaving out a lower one."""
    from alxa_lib.reports.content.labels import unit_key
    doc, files = evaluation_files["annual"]
    text = text_of(Document(files["docx"]))
    per = pd.Series([t["department"] for t in doc.figures["rank"]["accountability"] if t["trigger"] != "bottom_ranking"])
    counts = sorted(per.value_counts().items(), key=lambda kv: (-kv[1], unit_key(kv[0])))
    want = "、".join(f"{d}（{n}条）" for d, n in counts[:DOC["limits"]["departments_named"]])
    assert f"涉及{want}等{len(counts)}个单位" in text, (want, text)
    brief = Document(brief_files["docx"])
    said = re.search(r"红灯项目(?:包括|分别是)：(.*?)(?:等\d+个)?。", text_of(brief)).group(1)
    named = [float(x) for x in re.findall(r"投资进度指数(\d+\.\d+)", said)]
    lights = next(t for t in brief.tables if t.rows[0].cells[0].text == "亮灯")  # 附件3's first page
    red = sorted(float(x) for r in lights.rows[1:] if "红灯" in r.cells[0].text
                 for x in re.findall(r"投资进度指数\s*(\d+\.\d+)", r.cells[-1].text))
    assert named and named == red[:len(named)], (named, red)


# ---------------------------------------------------------------- the PDF
def _pages(path):
    with pdfplumber.open(path) as pdf:
        return [(p.width, p.height, [c for c in p.chars if c["upright"]]) for p in pdf.pages]


def test_pdf_geometry_fonts_and_page_numbers(brief_files):
    g = geometry()
    pages = _pages(brief_files["gwpdf"])
    assert len(pages) >= 5
    for n, (w, h, chars) in enumerate(pages, 1):
        portrait = w < h
        assert (round(min(w, h)), round(max(w, h))) == (595, 842)  # A4 (turned for landscape 附件)
        left, top = (g.left, g.top) if portrait else (g.bottom, g.left)
        type_w, type_h = (g.type_w, g.type_h) if portrait else (g.type_h, g.type_w)
        x0, x1, y0, y1 = left * MM, (left + type_w) * MM, top * MM, (top + type_h) * MM
        number = [c for c in chars if c["top"] > y1]
        body = [c for c in chars if c["top"] <= y1 and c["text"].strip()]  # a space may hang past the line end
        tol = 1.5
        assert all(x0 - tol <= c["x0"] and c["x1"] <= x1 + tol and c["top"] >= y0 - tol and c["bottom"] <= y1 + tol
                   for c in body), f"page {n}: text outside the type area"
        shown = "".join(c["text"] for c in number).replace(" ", "")
        if not portrait or n >= len(pages) - 1:  # turned (tests/test_office_measured.py); none by the 版记
            continue
        assert shown == f"—{n}—", f"page {n}: {shown!r}"
        mid = (min(c["x0"] for c in number) + max(c["x1"] for c in number)) / 2
        assert (mid > w / 2) == (n % 2 == 1), f"page {n}: number not on the outer corner"
        inset = DOC["page_number"]["inset_chars"] * DOC["sizes_pt"]["page_number"]
        edge = max(c["x1"] for c in number) if n % 2 else min(c["x0"] for c in number)
        assert abs((x1 - inset) - edge if n % 2 else edge - (x0 + inset)) < 2  # one character in


def test_pdf_embeds_fonts_and_misses_no_glyph(brief_files):
    from fontTools.ttLib import TTCollection, TTFont
    from pypdf import PdfReader
    reader = PdfReader(str(brief_files["gwpdf"]))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"]
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+")[-1])
    compact = {n.replace("-", "") for n in names}
    assert any("NotoSerifCJK" in n for n in compact) and any("NotoSansCJK" in n for n in compact)
    assert any("Kai" in n for n in compact) and any("LiberationSerif" in n for n in compact)
    # no glyph is missing: every character drawn is in one of the open fonts of the stack
    import glob
    cmaps = []
    for path in glob.glob("/usr/share/fonts/opentype/noto/Noto*CJK-Regular.ttc") + \
            glob.glob("/usr/share/fonts/truetype/arphic-gkai00mp/*.ttf") + \
            glob.glob("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"):
        fonts = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
        cmaps.append(set(fonts[0].getBestCmap()))
    covered = set().union(*cmaps)
    drawn = {c["text"] for _, _, chars in _pages(brief_files["gwpdf"]) for c in chars}
    assert all(ord(ch) in covered or ch.isspace() for ch in "".join(drawn))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "关于截至2025年6月28日全旗重点建设项目进展情况的通报" in text and "阿拉善左旗重点建设项目进展通报" in text
    assert "第12期" in text


def test_pdf_and_docx_say_the_same(brief_files):
    d = Document(brief_files["docx"])
    with pdfplumber.open(brief_files["gwpdf"]) as pdf:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
    text = re.sub(r"—\d+—", "", text)  # a paragraph running over a page has the page number inside it
    for p in d.paragraphs:
        if p.style.name in ("Normal", "Heading 1", "Heading 2", "Heading 3") and p.text.strip():
            assert re.sub(r"\s+", "", p.text) in text, p.text[:30]


# ---------------------------------------------------------------- bad input
HOSTILE = "<script>alert(1)</script>=SUM(A1){ PAGE }\x07资金缺口"


def hand_document(**kw) -> OfficialDocument:
    doc = OfficialDocument(kind="quarter", masthead="测试机关文件", number="", issuer="测试机关", date=dt.date(2025, 6, 8),
                           title="关于测试的通报", recipients="", **kw)
    doc.blocks = [Block("h1", "一、情况"), Block("p", f"部门报送：{HOSTILE}")]
    add_attachment(doc, "t", "表", pd.DataFrame({"单位": ["甲", HOSTILE], "数": [1, 2]}))
    return doc


def test_department_text_is_written_as_text(tmp_path):
    files = official.write(hand_document(), tmp_path / "t.docx", tmp_path / "t.pdf")
    with zipfile.ZipFile(files["docx"]) as z:
        body = z.read("word/document.xml").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;=SUM(A1){ PAGE }资金缺口" in body
    assert "fldChar" not in body and "fldSimple" not in body and "<script" not in body
    d = Document(files["docx"])
    assert d.tables[0].cell(2, 0).text == HOSTILE.replace("\x07", "")
    with pdfplumber.open(files["gwpdf"]) as pdf:
        text = "".join(p.extract_text() for p in pdf.pages)
    assert "<script>alert(1)</script>=SUM(A1){PAGE}资金缺口" in re.sub(r"\s+", "", text)
    assert re.search(r"—\s*1\s*—", text)  # a control character in department text loses no glyph


def test_missing_optional_elements_are_left_out(tmp_path, monkeypatch):
    from alxa_lib.reports.official import document as dmod
    bare = {**DOC, "cc": [], "printer": "", "recipients": ""}
    monkeypatch.setattr(dmod, "config", lambda: bare)
    doc = frame("brief", "关于测试的通报", DAY, None, 2025)
    assert (doc.number, doc.cc, doc.printer, doc.recipients) == ("", [], "", "")
    doc.blocks = [Block("p", "正文。")]
    files = official.write(doc, tmp_path / "b.docx", tmp_path / "b.pdf")
    text = text_of(Document(files["docx"]))
    assert "抄送" not in text and "印发" not in text and "第" not in text and "：\n" not in text
    with pdfplumber.open(files["gwpdf"]) as pdf:
        pdf_text = "".join(p.extract_text() for p in pdf.pages)
    assert "抄送" not in pdf_text and "印发" not in pdf_text and "期" not in pdf_text
    full = official.write(hand_document(cc=["甲办"], printer="乙办"), tmp_path / "f.docx")
    banji = [[c.text for c in r.cells] for r in Document(full["docx"]).tables[-1].rows]  # the 版记's table
    assert banji == [["抄送：甲办。", "抄送：甲办。"], ["乙办", "2025年6月8日印发"]]


def test_unknown_format_is_one_line_listing_the_valid_ones(ledger_db, capsys, tmp_path):
    code = cli.main(["report", "quarter", "--quarter", "2025Q2", "--format", "docx,odt", "--db", str(ledger_db[0]),
                     "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "odt" in err and "docx" in err and "gwpdf" in err
    code = cli.main(["report", "meeting", "--month", "2025-06", "--format", "docx", "--db", str(ledger_db[0]),
                     "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "docx" in err and "html, pdf, xlsx" in err
    assert list(tmp_path.iterdir()) == []


def test_mm_sizes_match_params():
    g = geometry()
    assert (g.type_w, g.type_h) == (156, 225)
    assert Mm(g.type_w).pt == pytest.approx(156 * MM)


def test_brief_document_carries_the_forecast_sentence(brief_files, ledger_db, capsys):
    """The forecast of docs/measures.md §11.3 closes 一、总体情况, with the figures of `alxa forecast --json`."""
    from alxa_lib.reports.content.forecast_words import chance_percent
    f = cli_json(capsys, "forecast", "--as-of", DAY.isoformat(), "--db", str(ledger_db[0]))
    nxt = f["commencement"][0]
    text = text_of(Document(brief_files["docx"]))
    month = dt.date.fromisoformat(nxt["date"]).month
    line = next(p for p in text.split("\n") if f"{month}月底开复工率" in p)
    if "已提前完成" not in line:  # the forecast in words (forecast_words): interval, point, graded chance
        assert f"预计在{nxt['low'] * 100:.1f}%～{nxt['high'] * 100:.1f}%之间（点预测{nxt['point'] * 100:.1f}%）" in line
        assert f"（可能性约{chance_percent(nxt['p_reach'])}）" in line
    assert text.index("一、总体情况") < text.index(line) < text.index("二、项目开（复）工情况")


# ---------------------------------------------------------------- the 公文 PDF's own process (pdf_job)
def test_the_gwpdf_process_renders_from_any_folder_and_removes_its_html(tmp_path, monkeypatch):
    from alxa_lib.reports.official import pdf_job
    monkeypatch.chdir(tmp_path)  # not the project folder, and no PYTHONPATH: the child still finds alxa_lib
    monkeypatch.delenv("PYTHONPATH", raising=False)
    html = tmp_path / ".~x_公文.html"
    html.write_text("<p>阿拉善左旗重点建设项目</p>", encoding="utf-8")
    got = pdf_job.PdfJob(html, tmp_path / "x_公文.pdf").wait()
    assert got == tmp_path / "x_公文.pdf" and not html.exists()
    with pdfplumber.open(got) as pdf:
        assert "阿拉善左旗重点建设项目" in pdf.pages[0].extract_text()


def test_a_failed_gwpdf_is_one_line_and_leaves_nothing(tmp_path):
    from alxa_lib.errors import ReportFailed
    from alxa_lib.reports.official import pdf_job
    job = pdf_job.PdfJob(tmp_path / "missing.html", tmp_path / "x_公文.pdf")
    with pytest.raises(ReportFailed) as caught:
        job.wait()
    message = str(caught.value)
    assert "公文PDF未能生成" in message and "FileNotFoundError" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_gwpdf_process_is_stopped_and_its_html_removed(tmp_path):
    from alxa_lib.reports.official import pdf_job
    html = tmp_path / ".~x_公文.html"
    html.write_text("<p>通报</p>" * 2000, encoding="utf-8")
    job = pdf_job.PdfJob(html, tmp_path / "x_公文.pdf")
    job.cancel()
    assert job.proc.returncode is not None and not html.exists()
