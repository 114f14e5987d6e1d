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
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from alxa_lib.files import atomic_path
from alxa_lib.reports.official.document import OfficialDocument, config
from alxa_lib.reports.official.layout import (MM, banji_spacer_pt, banji_widths_mm, cell_text, footer_distance_mm,
                                              geometry, masthead_pt, masthead_space_before_pt, rule_space_pt, safe, signature_indents_pt,
                                              table_plan, title_lines)
from alxa_lib.reports.official.paging import cell_pieces, chunks

STYLE = {"p": "Normal", "h1": "Heading 1", "h2": "Heading 2", "h3": "Heading 3"}
TITLE, MASTHEAD, NUMBER, LABEL, ATT_TITLE, TABLE, BANJI, SIGN, FOOTER = (
    "公文标题", "发文机关标志", "发文字号", "附件标识", "附件标题", "表格文字", "版记", "落款", "Footer")


# ---------------------------------------------------------------- low-level XML helpers
# schema order of the children we touch (Word refuses a file whose children are out of order)
SEQ = {
    "rPr": ("w:rStyle w:rFonts w:b w:bCs w:i w:iCs w:caps w:smallCaps w:strike w:dstrike w:outline w:shadow w:emboss "
            "w:imprint w:noProof w:snapToGrid w:vanish w:webHidden w:color w:spacing w:w w:kern w:position w:sz w:szCs "
            "w:highlight w:u w:effect w:bdr w:shd w:fitText w:vertAlign w:rtl w:cs w:em w:lang w:eastAsianLayout "
            "w:specVanish w:oMath"),
    "pPr": ("w:pStyle w:keepNext w:keepLines w:pageBreakBefore w:framePr w:widowControl w:numPr w:suppressLineNumbers "
            "w:pBdr w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap w:overflowPunct w:topLinePunct "
            "w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing "
            "w:mirrorIndents w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl "
            "w:divId w:cnfStyle w:rPr w:sectPr w:pPrChange"),
    "tblPr": ("w:tblStyle w:tblpPr w:tblOverlap w:bidiVisual w:tblStyleRowBandSize w:tblStyleColBandSize w:tblW w:jc "
              "w:tblCellSpacing w:tblInd w:tblBorders w:shd w:tblLayout w:tblCellMar w:tblLook w:tblCaption "
              "w:tblDescription"),
    "tcPr": "w:cnfStyle w:tcW w:gridSpan w:hMerge w:vMerge w:tcBorders w:shd w:noWrap w:tcMar w:textDirection "
            "w:tcFitText w:vAlign w:hideMark",
}


def child(parent, tag: str):
    """The child ``tag`` of an rPr/pPr/tblPr/tcPr (or any) element, created in schema order when missing."""
    found = parent.find(qn(tag))
    if found is not None:
        return found
    el = OxmlElement(tag)
    seq = SEQ.get(parent.tag.rsplit("}", 1)[-1], "").split()
    successors = seq[seq.index(tag) + 1:] if tag in seq else []
    nxt = next((c for c in parent if c.tag in {qn(t) for t in successors}), None)
    if nxt is not None:
        nxt.addprevious(el)
    else:
        parent.append(el)
    return el


def set_fonts(rpr, east_asian: str, latin: str) -> None:
    """East Asian font on w:eastAsia, Latin (digits and letters) on ascii/hAnsi; theme fonts removed."""
    fonts = child(rpr, "w:rFonts")
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian), ("w:cs", latin)):
        fonts.set(qn(attr), name)
    child(rpr, "w:lang").set(qn("w:eastAsia"), "zh-CN")


def set_char_spacing(rpr, pt: float) -> None:
    child(rpr, "w:spacing").set(qn("w:val"), str(round(pt * 20)))


def border(ppr, side: str, pt: float, color: str, space_pt: float | None = None) -> None:
    bdr = child(ppr, "w:pBdr")
    el = OxmlElement(f"w:{side}")
    space = round(config()["rule_gap_pt"] if space_pt is None else space_pt)
    for k, v in (("w:val", "single"), ("w:sz", str(round(pt * 8))), ("w:space", str(space)), ("w:color", color)):
        el.set(qn(k), v)
    bdr.append(el)


# ---------------------------------------------------------------- styles
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


# ---------------------------------------------------------------- page set-up and page numbers
def page_setup(section, landscape: bool = False) -> None:
    g = geometry()
    w, h = Mm(g.page_w), Mm(g.page_h)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    # landscape pages keep the portrait margins turned with the sheet (the binding edge stays at the top)
    top, right, bottom, left = (g.left, g.top, g.right, g.bottom) if landscape else (g.top, g.right, g.bottom, g.left)
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = Mm(top), Mm(right), Mm(bottom), Mm(left)
    section.footer_distance = Mm(footer_distance_mm() if not landscape else max(5.0, g.right - 7 - 5))
    section.header_distance = Mm(15)
    # the line pitch of the grid is the body's; no snapping (exact line heights give 22 lines a page, and
    # table rows keep their own height in every office suite)
    grid = child(section._sectPr, "w:docGrid")
    grid.attrib.pop(qn("w:type"), None)
    grid.set(qn("w:linePitch"), str(round(g.line_pt * 20)))


def _field(paragraph, instruction: str) -> None:
    """A real Word field (begin / instruction / separate / result / end), here PAGE."""
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el
    run = paragraph.add_run()
    run._r.append(fld("begin"))
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    paragraph.add_run()._r.append(fld("separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(fld("end"))


def page_numbers(doc, section, landscape: bool = False) -> None:
    """— n — with the PAGE field: odd pages on the right, even pages on the left, one character in. On a
    landscape page the number is turned to read on the bound sheet where the portrait pages have theirs
    (GB/T 9704 clause 8): a text box of vertical text in the left margin (``turned_number``)."""
    c = config()
    doc.settings.odd_and_even_pages_header_footer = True
    dash = c["page_number"]["dash"]
    inset = Pt(c["page_number"]["inset_chars"] * c["sizes_pt"]["page_number"])
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for r in list(p._p):
            if r.tag != qn("w:pPr"):
                p._p.remove(r)
        p.style = doc.styles[FOOTER]
        if landscape:
            turned_number(doc, p, odd=align == WD_ALIGN_PARAGRAPH.RIGHT)
            continue
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = inset
        else:
            p.paragraph_format.left_indent = inset
        p.add_run(f"{dash} ")
        _field(p, "PAGE")
        p.add_run(f" {dash}")


TURNED = """<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{z}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">
<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="page"><wp:posOffset>{x}</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV><wp:extent cx="{cx}" cy="{cy}"/>
<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/><wp:docPr id="{z}" name="页码{z}"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>
<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>
<wps:txbx><w:txbxContent><w:p/></w:txbxContent></wps:txbx>
<wps:bodyPr rot="0" vert="vert" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="t" anchorCtr="0"><a:noAutofit/></wps:bodyPr>
</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice></mc:AlternateContent></w:r>"""


def turned_number(doc, footer_paragraph, odd: bool) -> None:
    """A landscape page's number: a text box in the left margin, its text turned a quarter clockwise (read
    on the bound sheet), the top of its glyphs ``page_number.below_type_area_mm`` in from the page's left
    edge, one character in from the end of the type area's length (odd pages) or its start (even)."""
    from docx.oxml import parse_xml
    from docx.text.paragraph import Paragraph
    c, g = config(), geometry()
    emu = 36000  # per mm
    size = c["sizes_pt"]["page_number"]
    box_w = size * 1.5 / MM  # the box's width holds one turned line
    right = g.bottom - c["page_number"]["below_type_area_mm"]  # the glyphs' tops, from the page's left edge
    turned_number.z = getattr(turned_number, "z", 100) + 1
    run = parse_xml(TURNED.format(x=round((right - box_w) * emu), y=round(g.left * emu), cx=round(box_w * emu),
                                  cy=round(g.type_w * emu), z=turned_number.z))
    footer_paragraph._p.append(run)
    p = Paragraph(run.find(".//" + qn("w:p")), footer_paragraph._parent)
    p.style = doc.styles[FOOTER]
    inset = Pt(c["page_number"]["inset_chars"] * size)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        p.paragraph_format.right_indent = inset
    else:
        p.paragraph_format.left_indent = inset
    dash = c["page_number"]["dash"]
    p.add_run(f"{dash} ")
    _field(p, "PAGE")
    p.add_run(f" {dash}")


# ---------------------------------------------------------------- parts of the document
def head(doc, d: OfficialDocument) -> None:
    """版头: the red 发文机关标志 (its top edge where params put it), the 期号/文号 (and in the 简报 form the
    office and the date), the red rule, then blank lines down to the title (GB/T 9704 7.2)."""
    c, g = config(), geometry()
    p = doc.add_paragraph(d.masthead, style=MASTHEAD)
    size = masthead_pt(d.masthead)
    p.runs[0].font.size = Pt(size)
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
    for b in d.blocks:
        doc.add_paragraph(safe(b.text), style=STYLE[b.level])  # text only: never a field or markup
    if d.attachments:
        doc.add_paragraph("", style="Normal")
        g = geometry()
        for i, a in enumerate(d.attachments, 1):
            p = doc.add_paragraph(("附件：" if i == 1 else "") + f"{i}. {safe(a.title)}", style="Normal")
            p.paragraph_format.left_indent = Pt(g.indent_pt + (0 if i == 1 else 3 * g.char_pt))
            p.paragraph_format.first_line_indent = Pt(0)
    for _ in range(2):
        doc.add_paragraph("", style="Normal")
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
    doc.add_paragraph(f"附件{i}", style=LABEL)
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


def banji_rows(d: OfficialDocument) -> list[tuple[str, str]]:
    """The 版记's lines (left text, right text): 抄送 across the line; 印发机关 left, 印发日期 right."""
    return ([(f"抄送：{'，'.join(safe(x) for x in d.cc)}。", "")] if d.cc else []) + \
           ([(safe(d.printer), f"{d.date_text}印发")] if d.printer else [])


def _cell_borders(cell, **sides) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = child(tc_pr, "w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        pt = sides.get(side)
        if pt:
            for k, v in (("w:val", "single"), ("w:sz", str(round(pt * 8))), ("w:space", "0"), ("w:color", "000000")):
                el.set(qn(k), v)
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)


def banji(doc, d: OfficialDocument) -> None:
    """版记 (GB/T 9704 7.4) on the last page, an even page (a new section that starts on an even page; Word and
    LibreOffice insert a blank page before it when needed), its last rule on the foot of the type area: a
    spacer paragraph of exact height, then a table of exact row heights. That page has no page number."""
    c, g = config(), geometry()
    rows = banji_rows(d)
    if not rows:
        return
    section = doc.add_section(WD_SECTION.EVEN_PAGE)
    page_setup(section, False)
    for footer in (section.footer, section.even_page_footer):
        footer.is_linked_to_previous = False
        for p in footer.paragraphs:
            for r in list(p.runs):
                r._r.getparent().remove(r._r)
    rules, inset, row_pt = c["rules_pt"], c["sizes_pt"]["banji"], g.line_pt
    spacer = doc.add_paragraph(style=BANJI)
    pf = spacer.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(banji_spacer_pt(len(rows)))
    t = doc.add_table(rows=len(rows), cols=2)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    margins = child(t._tbl.tblPr, "w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    widths = banji_widths_mm(next((b for _, b in rows if b), ""))
    for col, w in zip(t._tbl.tblGrid.gridCol_lst, widths):
        col.set(qn("w:w"), str(round(Mm(w).twips)))
    for i, (left, right) in enumerate(rows):
        row = t.rows[i]
        tr_pr = row._tr.get_or_add_trPr()
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(round(row_pt * 20)))
        height.set(qn("w:hRule"), "exact")
        tr_pr.append(height)
        cells = [row.cells[0].merge(row.cells[1])] if not right else list(row.cells)
        top = rules["banji_outer"] if i == 0 else rules["banji_inner"]
        bottom = rules["banji_outer"] if i == len(rows) - 1 else None
        for j, (cell, text) in enumerate(zip(cells, (left, right) if right else (left,))):
            cell.width = Mm(g.type_w if len(cells) == 1 else widths[j])
            _cell_borders(cell, top=top, bottom=bottom)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.style = doc.styles[BANJI]
            p.paragraph_format.left_indent, p.paragraph_format.right_indent = Pt(inset), Pt(inset)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if j == 1 else WD_ALIGN_PARAGRAPH.LEFT
            p.add_run(text)
    end = doc.add_paragraph(style=BANJI)  # a document ends with a paragraph: next to no height
    end.paragraph_format.line_spacing_rule, end.paragraph_format.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(1)


FONT_XML = ('<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="{charset}"/>'
            '<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>')


def font_table(doc) -> None:
    """The docx's font table names the fonts the document uses (params ``fonts``), each with its open
    stand-in (``pdf_fonts``) as the alternate a machine without it may use, instead of the python-docx
    template's fonts (ＭＳ 明朝, Calibri, Cambria); the document defaults point at them, not at the theme."""
    from xml.sax.saxutils import quoteattr
    c = config()
    names = list(dict.fromkeys(c["fonts"].values()))
    fonts = []
    for name in names:
        alt = (c["pdf_fonts"].get(name) or {}).get("family", "")
        latin = name == c["fonts"]["latin"]
        fonts.append(FONT_XML.format(name=quoteattr(name)[1:-1], alt=quoteattr(alt)[1:-1], charset="00" if latin else "86",
                                     family="roman" if latin or "宋" in name or "仿宋" in name else "modern"))
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    part._blob = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w='
                  '"http://schemas.openxmlformats.org/wordprocessingml/2006/main">' + "".join(fonts) + "</w:fonts>"
                  ).encode("utf-8")
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is not None:
        set_fonts(rpr, c["fonts"]["body"], c["fonts"]["latin"])


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
