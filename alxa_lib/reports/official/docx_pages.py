"""The 公文 docx's pages: page set-up, page numbers (upright in the footers, turned on landscape pages), the
版记 alone on an even last page, and the font table (GB/T 9704-2012; docs/rendering.md §11)."""
from __future__ import annotations

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from alxa_lib.reports.official.docx_xml import BANJI, FOOTER, child, field, set_fonts
from alxa_lib.reports.official.document import OfficialDocument, config
from alxa_lib.reports.official.layout import (MM, banji_spacer_pt, banji_widths_mm, footer_distance_mm, geometry,
                                              safe)


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
        field(p, "PAGE")
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
    field(p, "PAGE")
    p.add_run(f" {dash}")


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
