"""Where the 公文's pages break, and how a line of mixed Chinese and Latin text is set (docs/rendering.md §11).

Long 附件 tables are cut into page-sized chunks by ``paging`` so that the docx (any office suite) and the PDF
break them at the same rows; the PDF sets text as LibreOffice does (``textflow``). None of this needs
LibreOffice: ``scripts/check_office_pages.py`` is the check against it.
"""
from __future__ import annotations

import re

import pandas as pd
import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from alxa_lib import params
from alxa_lib.reports.official import pdf_write
from alxa_lib.reports.official.document import Attachment
from alxa_lib.reports.official.layout import MM, geometry, table_plan
from alxa_lib.reports.official.paging import capacity_pt, chunks, heading_pt, lines_needed, row_height_pt
from alxa_lib.reports.official.textflow import runs

DOC = params.load("document")


@pytest.fixture(scope="module")
def quarter(evaluation_documents):
    """The quarterly 通报 of 2025Q2, whose 扣分明细 runs over many pages (written once per run)."""
    return evaluation_documents["quarter"]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def test_chunks_cover_every_row_once_and_fit_their_page(quarter):
    doc, _ = quarter
    long_tables = 0
    for a in doc.attachments:
        plan = table_plan(a.table)
        parts = chunks(a, plan)
        assert [r for c in parts for r in c.rows] == list(range(len(a.table)))  # in order, none twice or lost
        assert all(c.stop > c.start for c in parts)
        assert all(c.height_pt <= capacity_pt(plan) for c in parts if c.stop - c.start > 1)
        assert capacity_pt(plan) < (geometry().type_w if plan.landscape else geometry().type_h) * MM
        long_tables += len(parts) > 1
    assert long_tables, "the 扣分明细 of a quarter runs over several pages"


def test_row_height_estimate_is_conservative():
    """A cell that wraps is counted with all its lines: the wider text never gets fewer lines."""
    plan = table_plan(pd.DataFrame({"单位": ["交通运输局"], "依据": ["季度末完成年度投资0.00万元，节点140.00万元"]}))
    pad = 2 * DOC["table"]["cell_padding_pt"]
    width = plan.widths_mm[1] * MM - pad
    short, long_ = "计划开工", "计划开工" * 20
    assert lines_needed(short, width, plan.font_pt) == 1
    assert lines_needed(long_, width, plan.font_pt) >= len(long_) * plan.font_pt / width
    assert lines_needed("2025-ZD-010", 3 * plan.font_pt, plan.font_pt) >= 2  # a code wider than the cell still wraps
    assert row_height_pt(["甲", long_], plan) > row_height_pt(["甲", short], plan)


def test_every_chunk_starts_a_page_with_the_header_row_in_docx_and_pdf(quarter):
    doc, files = quarter
    plans = [table_plan(a.table) for a in doc.attachments]
    parts = [chunks(a, p) for a, p in zip(doc.attachments, plans)]
    continuations = sum(len(p) - 1 for p in parts)
    d = Document(files["docx"])
    tables = d.tables[:-1]  # the last is the 版记's
    assert len(tables) == sum(len(p) for p in parts)  # one real table a chunk
    headers = [[str(c) for c in a.table.columns] for a, p in zip(doc.attachments, parts) for _ in p]
    for t, header in zip(tables, headers):
        assert [c.text.replace("\n", "") for c in t.rows[0].cells] == header  # header lines: layout.header_lines
        assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in t.rows)  # rows never split
    breaks = [p for p in d.element.body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None]
    assert len(breaks) == continuations
    html = pdf_write.to_html(doc)
    assert html.count('class="next-page"') == continuations and ".next-page { break-before: page; }" in html
    # in the PDF each continuation chunk begins a page with its header row, and no chunk overflows
    # (an overflow would repeat the header on one more page)
    header_texts = {squeeze("".join(h)) for h in headers}
    starts = 0
    with pdfplumber.open(files["gwpdf"]) as pdf:
        for page in pdf.pages:
            tables = page.extract_tables()
            first_line = squeeze((page.extract_text() or "").split("\n")[0])
            if tables and not first_line.startswith(("附件", "抄送")):  # a page that begins with a 附件 table
                assert squeeze("".join(c or "" for c in tables[0][0])) in header_texts
                starts += 1
    assert starts == continuations


def test_attachment_heading_counts_a_wrapping_title():
    plan = table_plan(pd.DataFrame({"a": [1]}))
    short = heading_pt("表", plan)
    long_ = heading_pt("很长的附件标题" * 6, plan)
    assert long_ >= short + DOC["title_line_pt"]
    a = Attachment("k", "表", pd.DataFrame({"a": list(range(200))}), note="注：说明。")
    parts = chunks(a, table_plan(a.table))
    assert len(parts) > 1 and parts[-1].stop == 200


def test_runs_autospace_and_break_opportunities():
    assert runs("开工1个/共4个，25%）") == [
        ("开工", "space"), ("1", "space"), ("个", "break"), ("/", "break"), ("共", "space"), ("4", "space"),
        ("个，", "break"), ("25%", ""), ("）", "")]
    assert runs("●红灯") == [("●红灯", "")]  # a sign takes the script of its neighbours
    assert runs("2025年") == [("2025", "space"), ("年", "")]


def test_pdf_sets_autospace_and_condensed_body_as_the_docx(quarter):
    """Between Chinese and a digit the PDF leaves autospace_em of the font size; Chinese characters of
    the body stand at the body's pitch (font size plus the docx's character spacing)."""
    g = geometry()
    _, files = quarter
    with pdfplumber.open(files["gwpdf"]) as pdf:
        chars = [c for c in pdf.pages[0].chars if c["text"].strip() and abs(c["size"] - g.body_pt) < 0.1]
    pairs = [(a, b) for a, b in zip(chars, chars[1:]) if abs(a["top"] - b["top"]) < 3]
    gaps = [b["x0"] - a["x1"] for a, b in pairs if a["text"] in "个分名" and b["text"].isdigit()]
    assert gaps and all(abs(x - DOC["autospace_em"] * g.body_pt) < 0.3 for x in gaps)
    pitch = [b["x0"] - a["x0"] for a, b in pairs if "\u4e00" <= a["text"] <= "\u9fff" and "\u4e00" <= b["text"] <= "\u9fff"]
    assert pitch and abs(sorted(pitch)[len(pitch) // 2] - (g.body_pt + g.spacing_pt)) < 0.05


def test_docx_spacing_fits_28_characters_in_word_and_libreoffice():
    g, n = geometry(), DOC["grid"]["chars_per_line"]
    assert n * (g.body_pt + g.spacing_pt) <= g.type_w * MM  # Word: spacing after each character
    assert n * g.body_pt + (n - 1) * g.spacing_pt <= g.type_w * MM  # LibreOffice: between characters
    assert (n + 1) * (g.body_pt + g.spacing_pt) > g.type_w * MM  # and not one more
