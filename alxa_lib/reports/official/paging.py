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
from alxa_lib.reports.official.layout import MM, TablePlan, cell_text, geometry
from alxa_lib.reports.official.textflow import NO_LINE_START, autospace_after

# a Latin word, a number or a code such as 2025-ZD-010 is not broken inside; everything else may break
# after any character, except before closing punctuation (kept with what precedes it)
WORD = re.compile(r"[A-Za-z0-9.,:/%+\-_]+")


def char_em(ch: str) -> float:
    """Advance of one character in em: full width for Chinese and the signs the CJK fonts draw (● ▲), half
    for Latin (Times/Liberation digits are exactly half; letters average less)."""
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5


def tokens(text: str) -> list[str]:
    """Units a line may not break inside."""
    out: list[str] = []
    i = 0
    while i < len(text):
        m = WORD.match(text, i)
        piece = m.group(0) if m else text[i]
        if out and piece[0] in NO_LINE_START:
            out[-1] += piece
        else:
            out.append(piece)
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


def row_height_pt(cells: list[str], plan: TablePlan) -> float:
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
    """The 附件N label and the title above the first chunk (the title may wrap)."""
    c, g = config(), geometry()
    width_pt = (g.type_h if plan.landscape else g.type_w) * MM
    title_lines = lines_needed(title, width_pt, c["sizes_pt"]["attachment_title"])
    return g.line_pt + title_lines * c["title_line_pt"]


def chunks(a: Attachment, plan: TablePlan) -> list[Chunk]:
    """The table's rows cut into page-sized chunks (at least one row each; the note stays with the last)."""
    df: pd.DataFrame = a.table
    header = row_height_pt(["\n".join(h) for h in plan.headers] if plan.headers else [str(c) for c in df.columns], plan)
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
