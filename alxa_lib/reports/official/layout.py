"""The geometry both writers share, derived from params/document.yaml (GB/T 9704-2012; docs/rendering.md §11).

Page, margins and type area; the fixed body line pitch (type-area height / lines a page, to the twip
below); the character pitch (type-area width / characters a line) and the letter spacing that gives
it; the size of the masthead; and, per 附件 table, the orientation, font size and column widths. The
docx and the PDF call the same functions, so their pages agree.
"""
from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from alxa_lib.reports.official.document import config

MM = 72 / 25.4  # points per millimetre
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TWIP = 1 / 20  # a Word twip in points


@dataclass(frozen=True)
class Geometry:
    page_w: float  # mm
    page_h: float
    top: float
    bottom: float
    left: float
    right: float
    body_pt: float
    line_pt: float  # exact line height of body text (pt)
    char_pt: float  # character pitch of body text (pt)

    @property
    def type_w(self) -> float:
        return self.page_w - self.left - self.right

    @property
    def type_h(self) -> float:
        return self.page_h - self.top - self.bottom

    @property
    def spacing_pt(self) -> float:
        """Letter spacing (to the twip below) with which ``chars_per_line`` body characters fit the type width
        in every office suite: Word adds it after each character, LibreOffice only between characters of a
        run (n − 1 times), so it must fit both ways."""
        n = config()["grid"]["chars_per_line"]
        room = self.type_w * MM - n * self.body_pt
        return round(math.floor(min(room / n, room / (n - 1)) / TWIP) * TWIP, 2)

    @property
    def indent_pt(self) -> float:
        return config()["first_line_indent_chars"] * self.char_pt


def geometry() -> Geometry:
    c = config()
    page, m, grid = c["page_mm"], c["margins_mm"], c["grid"]
    type_w, type_h = page["width"] - m["left"] - m["right"], page["height"] - m["top"] - m["bottom"]
    line = math.floor(type_h * MM / grid["lines_per_page"] / TWIP) * TWIP
    return Geometry(page["width"], page["height"], m["top"], m["bottom"], m["left"], m["right"],
                    c["sizes_pt"]["body"], round(line, 2), type_w * MM / grid["chars_per_line"])


def footer_distance_mm() -> float:
    """Distance from the page's bottom edge to the page-number line's bottom (Word's footer distance)."""
    c, g = config(), geometry()
    return g.bottom - c["page_number"]["below_type_area_mm"] - c["sizes_pt"]["page_number"] / MM


def masthead_pt(text: str, kind: str = "brief") -> float:
    """The 发文机关标志's size: ``masthead_geometry.<kind>.size_pt`` when params set one (the 文件 form: large,
    narrowed by :func:`masthead_scale` to fit), else as large as ``masthead_max`` allows while the name fits one
    line of the type area (to the half point)."""
    c, g = config(), geometry()
    if c["masthead_geometry"][kind].get("size_pt"):
        return float(c["masthead_geometry"][kind]["size_pt"])
    fit = g.type_w * MM / max(1, width_chars(text)) - 0.5
    return min(float(c["sizes_pt"]["masthead_max"]), math.floor(fit * 2) / 2)


def masthead_scale(text: str, kind: str = "brief") -> int:
    """The character width of the 发文机关标志 in percent (Word's 字符缩放, ``w:w``): 100, or less when the name
    at its size would be wider than ``masthead_geometry.<kind>.max_width_mm`` (whole percent, rounded down)."""
    c = config()
    size, most = masthead_pt(text, kind), c["masthead_geometry"][kind].get("max_width_mm")
    natural = width_chars(text) * size / MM
    return 100 if not most or natural <= most else math.floor(100 * most / natural)


# ---------------------------------------------------------------- tables
def width_chars(text: str) -> float:
    """Display width in full-width characters (a Latin letter or digit is half; ambiguous signs such as ● ▲,
    drawn from the CJK fonts, are full)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in str(text))


def spaced_em(text: str) -> float:
    """Width in em with the autospace between Chinese and Latin letters or digits (``autospace_em``)."""
    from alxa_lib.reports.official.textflow import autospace_after
    t = str(text)
    return width_chars(t) + sum(autospace_after(a, b) for a, b in zip(t, t[1:])) * config()["autospace_em"]


def safe(text: Any) -> str:
    """Text as it is, minus the control characters XML cannot carry (department text may hold them)."""
    return CONTROL.sub("", str(text))


def cell_text(v: Any) -> str:
    """A cell as text: missing → —; floats with two decimals; everything else as it is (never evaluated)."""
    if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}"
    return safe(v)


def is_number_column(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


# a cell that is one number (49.0%, -34.10, 1,816.00), project id (2025-ZD-010) or date: never wrapped
UNBROKEN = re.compile(r"^(?:[-+−]?[\d,]*\.?\d+%?|\d{4}-[A-Z]{2,}-[A-Z]?\d+|\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日|"
                      r"\d{1,2}月\d{1,2}日|第[一二三四]季度|[●▲■]?\s?[\u4e00-\u9fff]{1,2}灯)$")
LATIN_WORD = re.compile(r"[A-Za-z0-9.,:/%+\-_]+")


def header_words(text: str) -> list[str]:
    """A column header cut where it may wrap: before its unit （…） and between the words of
    ``table.header_words``; a character outside those words stays with its neighbour."""
    words = sorted(config()["table"].get("header_words") or [], key=len, reverse=True)
    out: list[str] = []
    for part in [p for p in re.split(r"(?=[（(])", str(text)) if p]:
        if part[0] in "（(":
            out.append(part)
            continue
        i, pieces = 0, []
        while i < len(part):
            w = next((w for w in words if part.startswith(w, i)), None)
            if w:
                pieces.append(w)
                i += len(w)
            else:
                if pieces and pieces[-1] not in words:
                    pieces[-1] += part[i]
                else:
                    pieces.append(part[i])
                i += 1
        # a stray character joins the word before it (or after it, at the start)
        merged: list[str] = []
        for p in pieces:
            if merged and (p not in words and len(p) == 1 or merged[-1] not in words and len(merged[-1]) == 1):
                merged[-1] += p
            else:
                merged.append(p)
        out += merged
    return out


def header_lines(text: str, width_em: float | None = None) -> list[str]:
    """The header's lines at ``width_em``, broken only between ``header_words``; without a width, the words."""
    parts = header_words(text)
    if width_em is None:
        return parts
    lines: list[str] = []
    for p in parts:
        if lines and width_chars(lines[-1] + p) <= width_em + 1e-6:
            lines[-1] += p
        else:
            lines.append(p)
    return lines


def column_kind(texts: list[str]) -> str:
    """"number" (right-aligned, never wrapped), "fixed" (ids, dates: never wrapped) or "text"."""
    seen = [t for t in texts if t not in ("—", "")]
    if seen and all(UNBROKEN.match(t) for t in seen):
        return "number" if all(re.match(r"^[-+−]?[\d,]*\.?\d+%?$", t) for t in seen) else "fixed"
    return "text"


@dataclass(frozen=True)
class TablePlan:
    landscape: bool
    font_pt: float
    widths_mm: tuple[float, ...]
    numeric: tuple[bool, ...]
    kinds: tuple[str, ...] = ()
    headers: tuple[tuple[str, ...], ...] = ()  # each header's lines

    @property
    def line_pt(self) -> float:
        return round(self.font_pt * config()["table_line_factor"], 2)

    def keeps(self, i: int) -> bool:
        """Column ``i`` never wraps (numbers, ids, dates)."""
        return bool(self.kinds) and self.kinds[i] in ("number", "fixed", "short")


def table_plan(df: pd.DataFrame) -> TablePlan:
    """Column widths from the content: a column of numbers, ids or dates is as wide as its longest cell (it
    never wraps); a header wraps only before its unit （…）; text columns share the rest, up to
    ``max_cell_chars`` each. 4号 portrait when the table fits 156 mm, else 小四 portrait, else 小四 on a
    landscape page (only when portrait cannot hold the columns that never wrap)."""
    c, g = config(), geometry()
    t, sizes = c["table"], c["sizes_pt"]
    pad = 2 * t["cell_padding_pt"]
    texts = [[cell_text(v) for v in df[col]] for col in df.columns]
    kinds = [column_kind(x) for x in texts]
    need, want = [], []  # in em
    for col, cells, kind in zip(df.columns, texts, kinds):
        head = max(width_chars(p) for p in header_lines(col))
        longest = max([0.0] + [width_chars(x) for x in cells])
        if kind == "text" and longest > t.get("unbroken_text_chars", 0):
            words = max([0.0] + [width_chars(w) for x in cells for w in LATIN_WORD.findall(x)])
            lo = max(float(t["min_cell_chars"]), head, words)
            need.append(lo)
            want.append(max(lo, min(float(t["max_cell_chars"]), longest)))
        else:
            kinds[len(need)] = kind if kind != "text" else "short"  # a short name: never wrapped
            # with the space an office suite sets between Chinese and digits (2025年7月24日), and half a
            # character to spare for its rounding
            longest = max([0.0] + [spaced_em(x) for x in cells])
            lo = max(head, longest) + 0.5
            need.append(lo)
            want.append(lo)
    options = [(False, sizes["table"]), (False, sizes["table_small"]), (True, sizes["table_small"])]
    for landscape, pt in options:
        avail = (g.type_h if landscape else g.type_w) * MM
        w = [n * pt + pad for n in need]
        extra = avail - sum(w)
        grow = [(b - a) * pt for a, b in zip(need, want)]
        if not landscape and (extra < 0 or extra < 0.5 * sum(grow)):  # the text would be squeezed: next option
            continue
        if extra >= sum(grow):
            w = [a + gr for a, gr in zip(w, grow)]
            rest = avail - sum(w)
            flexible = [i for i, k in enumerate(kinds) if k == "text"] or list(range(len(w)))
            share = sum(w[i] for i in flexible)
            for i in flexible:
                w[i] += rest * w[i] / share
        elif extra > 0:
            w = [a + gr * extra / sum(grow) for a, gr in zip(w, grow)]
        else:  # even landscape cannot hold them: scaled down (the text wraps where it must)
            w = [a * avail / sum(w) for a in w]
        widths = tuple(round(x / MM, 2) for x in w)
        heads = tuple(tuple(header_lines(col, (x - pad) / pt)) for col, x in zip(df.columns, w))
        numeric = tuple(is_number_column(df[col]) or k == "number" for col, k in zip(df.columns, kinds))
        return TablePlan(landscape, float(pt), widths, numeric, tuple(kinds), heads)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- 版头 and title
def masthead_space_before_pt(kind: str, size: float) -> float:
    """Space above the 发文机关标志 so that its top edge (the em box's, centred in its exact line) lies where
    params put it below the type area's top."""
    c = config()
    top = c["masthead_geometry"][kind]["top_below_type_area_mm"] * MM
    line = size * c["masthead_line_factor"]
    return round(max(0.0, top - (line - size) / 2), 2)


TITLE_DATE = re.compile(r"\d{4}年(?:第[一二三四]季度|度|\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")


def title_segments(title: str) -> list[str]:
    """The title cut into pieces a line may not split: the words of ``title_words``, dates (2025年第二季度,
    2025年6月28日) and single characters; "的" and "通报" stay with what precedes them."""
    words = sorted(config().get("title_words") or [], key=len, reverse=True)
    out: list[str] = []
    i = 0
    while i < len(title):
        m = TITLE_DATE.match(title, i)
        piece = m.group(0) if m else next((w for w in words if title.startswith(w, i)), title[i])
        if out and (piece.startswith("的") or piece == "通报" or piece[0] in "，、）》”"):
            out[-1] += piece
        else:
            out.append(piece)
        i += len(piece)
    # a run of characters outside the word list and the dates is one word: it is never broken
    known = set(words)
    merged: list[str] = []
    for p in out:
        loose = not TITLE_DATE.fullmatch(p) and p not in known
        if merged and loose and merged[-1] not in known and not TITLE_DATE.fullmatch(merged[-1]):
            merged[-1] += p
        else:
            merged.append(p)
    return merged


def title_lines(title: str, pt: float | None = None, landscape: bool = False) -> list[str]:
    """The title's lines (7.3.1): as few as fit the type width at the title size, broken only between
    segments, the lines as even as possible (the upper not longer than the lower when they differ, a 正梯形)
    and never a lone "通报" or "的通报" on the last."""
    c, g = config(), geometry()
    pt = pt or c["sizes_pt"]["title"]
    room = (g.type_h if landscape else g.type_w) * MM / pt  # in em
    segs = title_segments(title)
    if width_chars(title) <= room:
        return [title]
    if len(segs) > 12 or any(width_chars(x) > room for x in segs):  # no words to go by: filled line by line
        return _greedy_lines(title, room)
    best: tuple | None = None
    n = len(segs)
    for lines_n in range(2, n + 1):
        for cuts in itertools.combinations(range(1, n), lines_n - 1):
            bounds = (0, *cuts, n)
            lines = ["".join(segs[a:b]) for a, b in zip(bounds, bounds[1:])]
            widths = [width_chars(ln) for ln in lines]
            if max(widths) > room or lines[-1] in ("通报", "的通报"):
                continue
            score = (max(widths) - min(widths), widths[0] > widths[-1])
            if best is None or score < best[0]:
                best = (score, lines)
        if best:
            return best[1]
    return _greedy_lines(title, room)


def _greedy_lines(text: str, room: float) -> list[str]:
    lines = [""]
    for ch in text:
        if lines[-1] and width_chars(lines[-1] + ch) > room:
            lines.append("")
        lines[-1] += ch
    return lines


def rule_space_pt() -> float:
    """Space between the 发文字号's line box and the red rule under it, so that the rule lies
    ``separator_below_number_mm`` below the number's em box (centred in the body line)."""
    c, g = config(), geometry()
    return round(max(0.0, c["separator_below_number_mm"] * MM - (g.line_pt - c["sizes_pt"]["number"]) / 2))


def banji_spacer_pt(rows: int) -> float:
    """Height of the space above the 版记 on its page: the type area less its rows (one body line each) and
    the 1 pt paragraph that ends the document, so that its last rule lies on the type area's foot."""
    g = geometry()
    return round(g.type_h * MM - rows * g.line_pt - 1.5, 2)


def banji_widths_mm(right_text: str) -> tuple[float, float]:
    """The 版记 table's two columns: the right one holds 印发日期 + 印发 one character in from the right (and three
    characters to spare for the space an office suite sets between Chinese and digits), the left one the rest of the type width (the 印发机关)."""
    c, g = config(), geometry()
    pt = c["sizes_pt"]["banji"]
    right = (width_chars(right_text) + 4) * pt / MM
    return round(g.type_w - right, 2), round(right, 2)


def kept_with_signature(texts: list[str]) -> int:
    """How many of the body's last paragraphs go with the 附件说明 and the 落款 (never alone on a page: at least
    two lines of body text with them): the last one, and the one before it when the last fits one line."""
    if not texts:
        return 0
    room = config()["grid"]["chars_per_line"] - config()["first_line_indent_chars"]
    return 1 if spaced_em(texts[-1]) > room or len(texts) == 1 else 2


def signature_indents_pt(issuer: str, date_text: str) -> tuple[float, float]:
    """Right indents (pt) of the 落款 (issuing office) and the 成文日期. With a seal (``seal: true``, 7.3.5.1)
    the date is ``signature_right_chars`` in from the right and the office is centred over it; without
    (7.3.5.2) the office is two characters in and the date starts two characters right of the office."""
    from alxa_lib.reports.official.paging import width_em
    c, g = config(), geometry()
    pitch = g.char_pt  # one body character with its letter spacing
    w_office, w_date = width_em(issuer) * pitch, width_em(date_text) * pitch
    if c.get("seal", True):
        date = c["signature_right_chars"] * pitch
        return round(max(0.0, date + (w_date - w_office) / 2), 2), round(date, 2)
    office = 2 * pitch
    return round(office, 2), round(max(0.0, office + w_office - 2 * pitch - w_date), 2)
