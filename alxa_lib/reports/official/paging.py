"""Where a long 附件 table breaks onto a new page, decided here rather than by two layout engines.

Word/WPS/LibreOffice and WeasyPrint wrap a long cell a little differently, so a table left to flow would
break at different rows in the docx and the PDF. Each table is therefore cut into page-sized chunks from a
conservative estimate of every row's height (its cells wrapped greedily at their column widths), filling
at most ``table.page_fill`` of the type area; each chunk is a table of its own with the header row and
starts a new page. A small difference in wrapping then stays inside its page. Numbers in
params/document.yaml (docs/rendering.md §11).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from alxa_lib.reports.official.document import Attachment, config
from alxa_lib.reports.official.layout import MM, TablePlan, cell_text, geometry, title_lines
from alxa_lib.reports.official.textflow import NO_LINE_END, NO_LINE_START, autospace_after

# a Latin word, a number or a code such as 2025-ZD-010 is not broken inside; everything else may break
# after any character, except before closing punctuation (kept with what precedes it)
WORD = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日|[A-Za-z0-9.,:/%+\-_]+")  # a date is one unit too


def char_em(ch: str) -> float:
    """Advance of one character in em: full width for Chinese and the signs the CJK fonts draw (● ▲), half
    for Latin (Times/Liberation digits are exactly half; letters average less)."""
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5


def tokens(text: str) -> list[str]:
    """Units a line may not break inside (an opening bracket stays with what follows it, closing
    punctuation with what precedes it)."""
    out: list[str] = []
    i = 0
    glue = False
    while i < len(text):
        m = WORD.match(text, i)
        piece = m.group(0) if m else text[i]
        if out and (glue or piece[0] in NO_LINE_START):
            out[-1] += piece
        else:
            out.append(piece)
        glue = piece[-1] in NO_LINE_END
        i += len(piece)
    return out


def width_em(text: str) -> float:
    gaps = sum(autospace_after(a, b) for a, b in zip(text, text[1:]))
    return sum(char_em(ch) for ch in text) + gaps * config()["autospace_em"]


def lines_needed(text: str, width_pt: float, font_pt: float) -> int:
    """Lines a cell's text takes at ``width_pt`` (greedy, breaking a unit wider than a line anywhere)."""
    avail = max(width_pt / font_pt, 1.0)  # in em
    lines, used = 1, 0.0
    for paragraph in str(text).split("\n"):
        if used:
            lines, used = lines + 1, 0.0
        for tok in tokens(paragraph):
            w = width_em(tok)
            if used and used + w > avail:
                lines, used = lines + 1, 0.0
            while w > avail:  # a unit longer than the line is broken anywhere (overflow-wrap)
                lines, w = lines + 1, w - avail
            used += w
    return lines


def cell_lines(text: str, width_pt: float, font_pt: float) -> list[str]:
    """A text cell's lines, broken by us (written into the docx and the PDF as line breaks, so no office suite
    wraps it its own way): greedy at the column's width less ``table.wrap_slack_em``, never inside a word, a
    number or a code; a lone last character takes the one before it along (never "…项 / 目")."""
    avail = max(width_pt / font_pt - config()["table"]["wrap_slack_em"], 1.0)
    out: list[str] = []
    for paragraph in str(text).split("\n"):
        line, used = "", 0.0
        for tok in tokens(paragraph):
            w = width_em(tok)
            if line and used + w > avail:
                out.append(line)
                line, used = "", 0.0
            line += tok
            used += w
        out.append(line)
    if len(out) >= 2 and len(out[-1]) == 1:
        toks = tokens(out[-2])
        if len(toks) >= 3 and len(toks[-1]) == 1:
            out[-2], out[-1] = "".join(toks[:-1]), toks[-1] + out[-1]
    return out


def cell_pieces(text: str, i: int, plan: TablePlan) -> list[str]:
    """The lines of a data cell in column ``i``: one for a number, an id, a date or a short name."""
    if plan.keeps(i):
        return [text]
    pad = 2 * config()["table"]["cell_padding_pt"]
    return cell_lines(text, plan.widths_mm[i] * MM - pad, plan.font_pt)


def row_height_pt(cells: list[str], plan: TablePlan, header: bool = False) -> float:
    if header and plan.headers:
        lines = max(len(h) for h in plan.headers)
    elif plan.kinds:
        lines = max(len(cell_pieces(t, i, plan)) for i, t in enumerate(cells))
    else:
        pad = 2 * config()["table"]["cell_padding_pt"]
        lines = max(lines_needed(t, w * MM - pad, plan.font_pt) for t, w in zip(cells, plan.widths_mm))
    return lines * plan.line_pt + config()["table"]["row_rule_pt"]


@dataclass(frozen=True)
class Chunk:
    start: int  # first data row (0-based, header excluded)
    stop: int
    height_pt: float  # estimated height of header and rows

    @property
    def rows(self) -> range:
        return range(self.start, self.stop)


def capacity_pt(plan: TablePlan) -> float:
    g = geometry()
    return (g.type_w if plan.landscape else g.type_h) * MM * config()["table"]["page_fill"]


def heading_pt(title: str, plan: TablePlan) -> float:
    """The 附件N label, a blank line and the title above the first chunk (the title on its lines)."""
    c, g = config(), geometry()
    return 2 * g.line_pt + len(title_lines(title, landscape=plan.landscape)) * c["title_line_pt"]


def chunks(a: Attachment, plan: TablePlan) -> list[Chunk]:
    """The table's rows cut into page-sized chunks (at least one row each; the note stays with the last)."""
    df: pd.DataFrame = a.table
    header = row_height_pt([str(c) for c in df.columns], plan, header=True)
    heights = [row_height_pt([cell_text(v) for v in r], plan) for r in df.itertuples(index=False)]
    if a.note and heights:
        heights[-1] += math.ceil(lines_needed(a.note, sum(plan.widths_mm) * MM, plan.font_pt)) * plan.line_pt
    cap = capacity_pt(plan)
    out, start, used = [], 0, heading_pt(a.title, plan) + header
    for i, h in enumerate(heights):
        if i > start and used + h > cap:
            out.append(Chunk(start, i, used))
            start, used = i, header
        used += h
    out.append(Chunk(start, len(heights), used))
    return out
