"""Low-level WordprocessingML helpers of the 公文 docx (python-docx): children in schema order, fonts on the
East Asian and Latin slots, paragraph borders, fields, and the names of the document's styles
(docs/rendering.md §11)."""
from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from alxa_lib.reports.official.document import config

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


def field(paragraph, instruction: str) -> None:
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
