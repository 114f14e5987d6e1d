"""Measure a 公文 PDF against GB/T 9704-2012 with pdfplumber (docs/rendering.md §11, "Measured check").

Used by ``scripts/check_office_pages.py`` and by ``tests/test_office_measured.py`` on both renderings: the
project's PDF and LibreOffice's PDF of the docx. Every position is in millimetres from the top-left corner
of the page *as bound* (portrait): a landscape page is turned back so that its table's head lies on the
binding edge (the left), as it does once printed and bound, so its page number is measured where the
portrait pages have theirs.

Glyph positions are taken from the baseline (the character's matrix), never from the font's ascent (the
two renderings embed different fonts): a character's top is its baseline minus ``EM_TOP`` of its size,
the top of the ideographic em box of the CJK fonts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MM = 72 / 25.4
# LibreOffice's PDF export keeping the blank pages it inserts (before a section that starts on an even page),
# as a printer would print them
OFFICE_PDF = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
EM_TOP = 0.88  # the ideographic em box of a CJK font: 0.88 em above the baseline, 0.12 em below
RED = (1.0, 0.0, 0.0)
# a number, a project id or a date: never split over two lines of a table cell
TOKEN = re.compile(r"^(?:[-+−]?[\d,]+(?:\.\d+)?%?|[-+−]?\.\d+|\d{4}-[A-Z]{2,}-[A-Z]?\d+|\d{4}-\d{2}-\d{2}|"
                   r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日)$")
PAGE_NUMBER = re.compile(r"^—\s*(\d+)\s*—$")
LABEL = re.compile(r"^附件(\d*)$")


@dataclass(frozen=True)
class Char:
    text: str
    x0: float  # along the reading direction, mm (bound page)
    x1: float
    base: float  # baseline, mm from the top (bound page)
    size: float  # pt
    red: bool

    @property
    def top(self) -> float:
        return self.base - EM_TOP * self.size / MM


@dataclass
class Line:
    chars: list[Char]

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def squeezed(self) -> str:
        return re.sub(r"\s+", "", self.text)

    @property
    def base(self) -> float:
        return self.chars[0].base

    @property
    def top(self) -> float:
        return min(c.top for c in self.chars)

    @property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars)

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @property
    def size(self) -> float:
        return max(c.size for c in self.chars)


@dataclass
class Page:
    number: int  # 1-based
    width: float  # mm, as bound (portrait)
    height: float
    landscape: bool
    lines: list[Line]  # upright text as drawn
    turned: list[Line]  # text turned a quarter, in bound-page coordinates (landscape page numbers)
    rules: list[tuple[float, float, float]]  # horizontal rules (y, x0, x1), mm, as drawn (landscape not turned)
    tables: list[list[list[str | None]]]  # pdfplumber's tables, cells with "\n" where a line wraps

    @property
    def text_lines(self) -> list[str]:
        return [ln.squeezed for ln in self.lines if ln.squeezed]


def _is_red(color) -> bool:
    return isinstance(color, (tuple, list)) and len(color) == 3 and all(abs(a - b) < 0.05 for a, b in zip(color, RED))


def _chars(page) -> tuple[list[Char], list[Char]]:
    """(upright characters as drawn, characters turned a quarter) in mm from the page's top-left corner.
    A turned character (a landscape page's number, set to read on the bound portrait sheet) is given in
    bound-page coordinates: the landscape page turned back onto the sheet, its top edge on the binding edge
    (X = y, Y = page width − x)."""
    W, H = float(page.width), float(page.height)
    upright, turned = [], []
    for c in page.chars:
        a, b, _, _, e, f = c["matrix"]
        red = _is_red(c.get("non_stroking_color"))
        size = float(c["size"])
        if abs(b) < 1e-6 * max(1.0, abs(a)) and a > 0:
            upright.append(Char(c["text"], c["x0"] / MM, c["x1"] / MM, (H - f) / MM, size, red))
        else:  # reading down the page, glyph tops towards x+: the baseline is at x = e
            turned.append(Char(c["text"], c["top"] / MM, c["bottom"] / MM, (W - e) / MM, size, red))
    return upright, turned


def _lines(chars: list[Char], tolerance: float = 0.6) -> list[Line]:
    """Characters grouped by baseline (within ``tolerance`` mm), each line from left to right, lines top down."""
    lines: list[Line] = []
    for ch in sorted(chars, key=lambda c: (c.base, c.x0)):
        if lines and abs(ch.base - lines[-1].base) <= tolerance:
            lines[-1].chars.append(ch)
        else:
            lines.append(Line([ch]))
    for ln in lines:
        ln.chars.sort(key=lambda c: c.x0)
    return lines


def read(pdf_path: Path | str) -> list[Page]:
    import pdfplumber
    pages = []
    with pdfplumber.open(str(pdf_path)) as pdf:
        for i, p in enumerate(pdf.pages, 1):
            W, H = float(p.width), float(p.height)
            landscape = W > H
            rules = []  # the lower edge of each horizontal rule: a stroked line, a thin filled rectangle, or
            # the edges of a border drawn as the area between two rectangles
            for r in p.lines:
                if r["x1"] - r["x0"] > 20 * MM and r["bottom"] - r["top"] < 2:
                    rules.append(((r["bottom"] + float(r.get("linewidth") or 0) / 2) / MM, r["x0"] / MM, r["x1"] / MM))
            for r in p.rects:
                if r["x1"] - r["x0"] > 20 * MM:
                    edges = [r["bottom"]] if r["bottom"] - r["top"] < 2 else [r["top"], r["bottom"]]
                    rules += [(y / MM, r["x0"] / MM, r["x1"] / MM) for y in edges]
            upright, turned = _chars(p)
            pages.append(Page(i, (H if landscape else W) / MM, (W if landscape else H) / MM, landscape,
                              _lines(upright), _lines(turned), sorted(rules), p.extract_tables() or []))
    return pages


# ---------------------------------------------------------------- what is measured
def masthead_top(pages: list[Page]) -> float | None:
    """Top edge of the red 发文机关标志 (mm from the page top)."""
    red = [c for ln in pages[0].lines for c in ln.chars if c.red and c.text.strip()]
    return min(c.top for c in red) if red else None


def masthead_line(pages: list[Page]) -> Line | None:
    """The red 发文机关标志 on page 1 as one line (its size, its drawn extent)."""
    red = [ln for ln in pages[0].lines if any(c.red for c in ln.chars) and ln.squeezed]
    return red[0] if red else None


def title_lines(pages: list[Page], title_pt: float) -> list[str]:
    """The title's lines on page 1: black text of the title's size."""
    return [ln.squeezed for ln in pages[0].lines
            if abs(ln.size - title_pt) < 0.6 and not any(c.red for c in ln.chars) and ln.squeezed]


def page_number(page: Page) -> Line | None:
    """The — n — line in bound-page coordinates (on a landscape page, a number set upright as drawn is given
    where it lands on the bound sheet, its top towards the binding edge: X = y, Y = width − x)."""
    for ln in page.turned + page.lines:
        if PAGE_NUMBER.match(ln.text.strip()):
            if page.landscape and ln in page.lines:  # not turned: where it lands on the bound sheet
                W = page.height  # the drawn page's width
                return Line([Char(c.text, c.base - c.size / MM, c.base, W - c.x0, c.size, c.red) for c in ln.chars])
            return ln
    return None


def split_tokens(cell: str) -> list[str]:
    """Numbers, ids and dates that a wrapped table cell splits across two lines: "16.6\\n7" → ["16.67"]."""
    parts = cell.split("\n")
    if len(parts) < 2:
        return []
    joined = "".join(parts)
    bad = []
    for tok in re.findall(r"[\w.,%\-−+年月日]+", joined):
        if not TOKEN.match(tok):
            continue
        start = joined.find(tok)
        cuts, pos = [], 0
        for p in parts[:-1]:
            pos += len(p)
            cuts.append(pos)
        if any(start < c < start + len(tok) for c in cuts):
            bad.append(tok)
    return bad


def header_breaks(cell: str) -> list[str]:
    """Places where a header cell wraps inside a word: "年度计划投\\n资" → ["年度计划投/资"]. A header may wrap
    between the words the project's parameters list (``table.header_words``) and before its unit （…）."""
    from alxa_lib.reports.official.layout import header_words
    parts = cell.split("\n")
    joined = "".join(parts)
    allowed, pos = set(), 0
    for w in header_words(joined):
        pos += len(w)
        allowed.add(pos)
    bad, pos = [], 0
    for a, b in zip(parts, parts[1:]):
        pos += len(a)
        if a and b and pos not in allowed:
            bad.append(f"{a}/{b}")
    return bad


def lone_characters(cell: str) -> list[str]:
    """A wrapped text cell that leaves one character on a line: "重点建\\n设"."""
    parts = cell.split("\n")
    if len(parts) < 2:
        return []
    return [cell.replace("\n", "/") for p in parts if len(p.strip()) == 1 and p.strip() not in "）)。，、"]


def table_defects(pages: list[Page]) -> list[str]:
    out = []
    for pg in pages:
        for t in pg.tables:
            for r, row in enumerate(t):
                for cell in row:
                    if not cell or "\n" not in cell:
                        continue
                    if r == 0:
                        out += [f"p{pg.number} header {x}" for x in header_breaks(cell)]
                    else:
                        out += [f"p{pg.number} split {x!r} in {cell!r}" for x in split_tokens(cell)]
                        out += [f"p{pg.number} lone character {x!r}" for x in lone_characters(cell)]
    return out


def banji_last_rule(pages: list[Page]) -> float | None:
    """The lowest full-width rule on the last page (the 版记's last rule), mm from the top."""
    spans: dict[float, list[float]] = {}  # a rule drawn cell by cell: its pieces on one line joined
    for y, x0, x1 in pages[-1].rules:
        key = next((k for k in spans if abs(k - y) < 0.3), y)
        spans.setdefault(key, []).extend([x0, x1])
    rules = [y for y, xs in spans.items() if max(xs) - min(xs) > 150]
    return max(rules) if rules else None


def compare_lines(ours: list[Page], office: list[Page]) -> list[str]:
    """Where the two renderings differ, line by line (spaces ignored); empty when they agree."""
    problems = []
    if len(ours) != len(office):
        problems.append(f"pages {len(ours)} (ours) vs {len(office)} (LibreOffice)")
    for a, b in zip(ours, office):
        la, lb = a.text_lines, b.text_lines
        if la != lb:
            diff = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            x = la[diff] if diff < len(la) else "∅"
            y = lb[diff] if diff < len(lb) else "∅"
            problems.append(f"page {a.number} line {diff + 1}: {x[:30]!r} vs {y[:30]!r}")
    return problems


DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def signature(pages: list[Page], issuer: str) -> tuple[Line, Line] | None:
    """The 落款 (the issuing office's line) and the 成文日期 under it, in the body's text."""
    for pg in pages:
        for a, b in zip(pg.lines, pg.lines[1:]):
            if a.squeezed == issuer and DATE.match(b.squeezed):
                return a, b
    return None


ATTACHMENT_ITEM = re.compile(r"^(?:附件：|\d+\.\S)")


def lines_before_signature(pages: list[Page], issuer: str) -> tuple[int, int] | None:
    """(page number, lines of body text above the 附件说明 and the 落款 on the 落款's page): the 落款 must not
    stand alone on a page with only the 附件说明 (docs/rendering.md §11)."""
    for pg in pages:
        lines = [ln.squeezed for ln in pg.lines if ln.squeezed and not PAGE_NUMBER.match(ln.text.strip())]
        for i, (a, b) in enumerate(zip(lines, lines[1:])):
            if a == issuer and DATE.match(b):
                above = lines[:i]
                while above and ATTACHMENT_ITEM.match(above[-1]):  # the 附件说明, read upwards
                    above.pop()
                return pg.number, len(above)
    return None
