"""An :class:`OfficialDocument` as an editable Word file (python-docx), laid out after GB/T 9704-2012.

Styles carry the format, so an office changes it in one place: ``Normal`` is the body (仿宋 3号, fixed
line pitch, first-line indent of two characters); ``Heading 1–3`` are the levels 一、/（一）/1. (so the
navigation pane works); the title, masthead, 附件 label, tables and 版记 have their own styles. Fonts are
set on the East Asian slot and the Latin slots (docs/rendering.md §11). Department text goes in as run
text only: never a field, a formula or markup. Page numbers are PAGE fields in odd and even footers.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from alxa_lib.files import atomic_path
from alxa_lib.reports.official.document import OfficialDocument, config
from alxa_lib.reports.official.docx_pages import banji, font_table, page_numbers, page_setup
from alxa_lib.reports.official.docx_xml import (ATT_TITLE, BANJI, FOOTER, LABEL, MASTHEAD, NUMBER, SIGN, STYLE, TABLE,
                                                TITLE, border, child, set_char_spacing, set_fonts)
from alxa_lib.reports.official.layout import (cell_text, geometry, masthead_pt, masthead_scale, masthead_space_before_pt,
                                              kept_with_signature, rule_space_pt, safe, signature_indents_pt,
                                              table_plan, title_lines)
from alxa_lib.reports.official.paging import cell_pieces, chunks


def _style(doc, name: str, base: str | None = "Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        s = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            s.base_style = doc.styles[base]
        return s


def _format(style, font: str, pt: float, line_pt: float | None, *, bold=False, indent=None, align=None,
            color="000000", spacing_pt: float | None = None) -> None:
    c = config()
    style.font.size, style.font.bold, style.font.italic = Pt(pt), bold, False
    style.font.color.rgb = RGBColor.from_string(color)
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, font, c["fonts"]["latin"])
    set_char_spacing(rpr, spacing_pt or 0.0)  # only body-like styles are condensed to 28 characters a line
    ppr = style.element.get_or_add_pPr()
    # the space between Chinese and Latin or digits stays on: LibreOffice cannot switch it off (it ignores
    # w:autoSpaceDE/DN), so Word and WPS set it too and the PDF draws it (autospace_em); no grid snapping
    # w:overflowPunct = 1 (Word's default, punctuation may hang past the margin) is what LibreOffice reads as
    # "no hanging punctuation", which the PDF cannot do
    for tag, val in (("w:overflowPunct", "1"), ("w:autoSpaceDE", "1"), ("w:autoSpaceDN", "1"), ("w:snapToGrid", "0")):
        child(ppr, tag).set(qn("w:val"), val)
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    if line_pt:
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(line_pt)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Pt(indent) if indent is not None else Pt(0)
    pf.widow_control = False  # 22 lines a page, as the PDF (orphans and widows 1)
    if align is not None:
        pf.alignment = align


def define_styles(doc) -> None:
    c, g = config(), geometry()
    f, s = c["fonts"], c["sizes_pt"]
    body = dict(indent=g.indent_pt, spacing_pt=g.spacing_pt)
    _format(doc.styles["Normal"], f["body"], g.body_pt, g.line_pt, align=WD_ALIGN_PARAGRAPH.JUSTIFY, **body)
    for level, (name, bold) in enumerate(((f["heading1"], False), (f["heading2"], False), (f["heading3"], True)), 1):
        h = doc.styles[f"Heading {level}"]
        h.base_style = doc.styles["Normal"]
        _format(h, name, g.body_pt, g.line_pt, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY, **body)
        h.paragraph_format.keep_with_next = True
    _format(_style(doc, TITLE), f["title"], s["title"], c["title_line_pt"], align=WD_ALIGN_PARAGRAPH.CENTER)
    _format(_style(doc, MASTHEAD), f["masthead"], s["masthead_max"], None, align=WD_ALIGN_PARAGRAPH.CENTER,
            color=c["red"])
    _format(_style(doc, NUMBER), f["body"], s["number"], g.line_pt, align=WD_ALIGN_PARAGRAPH.CENTER)
    _format(_style(doc, LABEL), f["attachment_label"], g.body_pt, g.line_pt, align=WD_ALIGN_PARAGRAPH.LEFT)
    _format(_style(doc, ATT_TITLE), f["title"], s["attachment_title"], c["title_line_pt"],
            align=WD_ALIGN_PARAGRAPH.CENTER)
    _format(_style(doc, TABLE), f["body"], s["table"], None, align=WD_ALIGN_PARAGRAPH.LEFT)
    _format(_style(doc, BANJI), f["body"], s["banji"], None, align=WD_ALIGN_PARAGRAPH.LEFT)
    _format(_style(doc, SIGN), f["body"], g.body_pt, g.line_pt, align=WD_ALIGN_PARAGRAPH.RIGHT, spacing_pt=g.spacing_pt)
    _style(doc, SIGN).paragraph_format.right_indent = Pt(c["signature_right_chars"] * g.char_pt)
    _format(doc.styles[FOOTER], f["page_number"], s["page_number"], None)



# ---------------------------------------------------------------- parts of the document
def head(doc, d: OfficialDocument) -> None:
    """版头: the red 发文机关标志 (its top edge where params put it), the 期号/文号 (and in the 简报 form the
    office and the date), the red rule, then blank lines down to the title (GB/T 9704 7.2)."""
    c, g = config(), geometry()
    p = doc.add_paragraph(d.masthead, style=MASTHEAD)
    size, scale = masthead_pt(d.masthead, d.kind), masthead_scale(d.masthead, d.kind)
    p.runs[0].font.size = Pt(size)
    if scale < 100:  # 字符缩放: w:w sits before w:sz in the run's properties
        w = OxmlElement("w:w")
        w.set(qn("w:val"), str(scale))
        p.runs[0]._r.get_or_add_rPr().find(qn("w:sz")).addprevious(w)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(round(size * c["masthead_line_factor"], 2))
    p.paragraph_format.space_before = Pt(masthead_space_before_pt(d.kind, size))
    if d.short_form:
        if d.number:
            doc.add_paragraph(d.number, style=NUMBER)
        line = doc.add_paragraph(style=NUMBER)
        line.alignment = WD_ALIGN_PARAGRAPH.LEFT
        line.paragraph_format.tab_stops.add_tab_stop(Mm(g.type_w), alignment=WD_TAB_ALIGNMENT.RIGHT)  # at the type edge
        line.add_run(f"{d.issuer}\t{d.date_text}")
    else:
        line = doc.add_paragraph(d.number, style=NUMBER)
        line.paragraph_format.space_before = Pt(c["number_blank_lines"] * g.line_pt)
    border(line._p.get_or_add_pPr(), "bottom", c["rules_pt"]["separator"], c["red"], rule_space_pt())
    for _ in range(c["title_blank_lines"]):
        doc.add_paragraph("", style=NUMBER)


def title_paragraph(doc, text: str, style: str, landscape: bool = False) -> None:
    """The title on its lines (layout.title_lines), each line break written in: no engine breaks a word."""
    p = doc.add_paragraph(style=style)
    for i, line in enumerate(title_lines(text, landscape=landscape)):
        run = p.add_run(line)
        if i:
            run._r.insert(0, OxmlElement("w:br"))


def body(doc, d: OfficialDocument) -> None:
    title_paragraph(doc, d.title, TITLE)
    doc.add_paragraph("", style="Normal")
    if d.recipients:
        p = doc.add_paragraph(f"{d.recipients}：", style="Normal")
        p.paragraph_format.first_line_indent = Pt(0)
    keep = len(d.blocks) - kept_with_signature([b.text for b in d.blocks])
    for i, b in enumerate(d.blocks):
        p = doc.add_paragraph(safe(b.text), style=STYLE[b.level])  # text only: never a field or markup
        if i >= keep:  # the 落款 never stands alone: the body's last two lines go with it (docs/rendering.md §11)
            p.paragraph_format.widow_control = True
            p.paragraph_format.keep_with_next = True
    if d.attachments:
        doc.add_paragraph("", style="Normal").paragraph_format.keep_with_next = True
        g = geometry()
        for i, line in enumerate(d.attachment_list(), 1):
            p = doc.add_paragraph(safe(line), style="Normal")
            p.paragraph_format.left_indent = Pt(g.indent_pt + (0 if i == 1 else 3 * g.char_pt))
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.keep_with_next = True
    for _ in range(2):
        doc.add_paragraph("", style="Normal").paragraph_format.keep_with_next = True
    if d.issuer:
        p = doc.add_paragraph(d.issuer, style=SIGN)
        p.paragraph_format.right_indent = Pt(signature_indents_pt(d.issuer, d.date_text)[0])
        p.paragraph_format.keep_with_next = True  # the office and the date on one page
    p = doc.add_paragraph(d.date_text, style=SIGN)
    p.paragraph_format.right_indent = Pt(signature_indents_pt(d.issuer, d.date_text)[1])


def attachment(doc, d: OfficialDocument, i: int) -> None:
    """附件i on a new page (a new section when its table needs a landscape page)."""
    a = d.attachments[i - 1]
    plan = table_plan(a.table)
    prev = doc.sections[-1]
    if plan.landscape != (prev.orientation == WD_ORIENT.LANDSCAPE):
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        page_setup(section, plan.landscape)
        page_numbers(doc, section, plan.landscape)
    else:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph(d.attachment_label(i), style=LABEL)
    doc.add_paragraph("", style="Normal")  # 附件N on the first line, its title on the third (7.3.7)
    title_paragraph(doc, a.title, ATT_TITLE, plan.landscape)
    for n, chunk in enumerate(chunks(a, plan)):  # one page each, the header row on each (paging.py)
        if n:
            page_break_before(doc.add_paragraph(style=TABLE))
        table(doc, a.table.iloc[chunk.start:chunk.stop], plan)
    if a.note:  # kept with the table's last row, as the PDF does
        for cell in doc.tables[-1].rows[-1].cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
        p = doc.add_paragraph(safe(a.note), style=TABLE)
        p.runs[0].font.size = Pt(plan.font_pt)


def page_break_before(p) -> None:
    """A paragraph of next to no height that starts a new page (between two chunks of a table, which would
    merge without a paragraph between them)."""
    child(p._p.get_or_add_pPr(), "w:pageBreakBefore")
    pf = p.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(1)


def _style_id(doc, name: str) -> str:
    return doc.styles[name].style_id


def table(doc, df, plan) -> None:
    """A real Word table: header row repeated on every page, numbers right-aligned, text as text runs."""
    rows = [[str(c) for c in df.columns]] + [[cell_text(v) for v in r] for r in df.itertuples(index=False)]
    t = doc.add_table(rows=len(rows), cols=len(df.columns))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    margins = child(t._tbl.tblPr, "w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(config()["table"]["cell_padding_pt"] * 20)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    child(t.rows[0]._tr.get_or_add_trPr(), "w:tblHeader").set(qn("w:val"), "true")  # repeated on every page
    for row in t.rows:  # a row is never split over two pages (the PDF: break-inside: avoid)
        child(row._tr.get_or_add_trPr(), "w:cantSplit").set(qn("w:val"), "true")
    style_id = _style_id(doc, TABLE)
    widths = [str(round(Mm(w).twips)) for w in plan.widths_mm]
    for c_i, col in enumerate(t._tbl.tblGrid.gridCol_lst):
        col.set(qn("w:w"), widths[c_i])
    n = len(df.columns)
    for i, cell in enumerate(t._cells):  # built directly: python-docx's style lookup per cell is slow
        r_i, c_i = divmod(i, n)
        tc_pr = cell._tc.get_or_add_tcPr()
        tc_w = child(tc_pr, "w:tcW")
        tc_w.set(qn("w:w"), widths[c_i])
        tc_w.set(qn("w:type"), "dxa")
        p = cell._tc.p_lst[0]
        ppr = p.get_or_add_pPr()
        ppr.get_or_add_pStyle().val = style_id
        spacing = child(ppr, "w:spacing")
        spacing.set(qn("w:line"), str(round(plan.line_pt * 20)))
        spacing.set(qn("w:lineRule"), "exact")
        if r_i == 0 or plan.numeric[c_i]:
            child(ppr, "w:jc").set(qn("w:val"), "center" if r_i == 0 else "right")
        r = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        if r_i == 0:
            rpr.append(OxmlElement("w:b"))
        for tag in ("w:sz", "w:szCs"):
            sz = OxmlElement(tag)
            sz.set(qn("w:val"), str(round(plan.font_pt * 2)))
            rpr.append(sz)
        r.append(rpr)
        pieces = (list(plan.headers[c_i]) if plan.headers else [rows[0][c_i]]) if r_i == 0 else \
            cell_pieces(rows[r_i][c_i], c_i, plan) if plan.kinds else [rows[r_i][c_i]]
        for k, piece in enumerate(pieces):  # a header's lines broken only before its unit (layout.header_lines)
            if k:
                r.append(OxmlElement("w:br"))
            text = OxmlElement("w:t")  # text only: never a field or a formula
            text.set(qn("xml:space"), "preserve")
            text.text = piece
            r.append(text)
        p.append(r)


def write_docx(d: OfficialDocument, path: Path | str) -> Path:
    """Write the document atomically; returns the path."""
    doc = Document()
    define_styles(doc)
    font_table(doc)
    page_setup(doc.sections[0])
    page_numbers(doc, doc.sections[0])
    core = doc.core_properties
    core.title, core.author, core.language = d.title, d.issuer, "zh-CN"
    head(doc, d)
    body(doc, d)
    for i in range(1, len(d.attachments) + 1):
        attachment(doc, d, i)
    banji(doc, d)
    path = Path(path)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
