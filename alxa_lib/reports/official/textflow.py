"""How a real office suite sets a line of mixed Chinese and Latin text, for the PDF to set it the same way.

LibreOffice cuts a paragraph into runs of one script (Chinese; Latin letters and digits; signs such as
● — “ take the script of what precedes them). Between a Chinese and a Latin letter or digit it puts
``autospace_em`` of the font size (its "space between Asian and non-Asian text", which the docx cannot switch
off there); the character spacing of the body (which condenses 28 characters to a line) is not added
after the last character of a run; and a line may break where the script changes. The PDF marks those
characters so that CSS does the same (docs/rendering.md §11).
"""
from __future__ import annotations

import unicodedata

ASIAN, LATIN, WEAK = "A", "L", "W"
# LibreOffice's forbidden characters for zh-CN (its locale data): never first on a line / never last
NO_LINE_START = set("!%),.:;?]}¢°·’\"†‡›℃∶、。〃〆〕〗〞﹚﹜！＂％＇），．：；？］｝～…")
NO_LINE_END = set("$(£¥·‘“〈《「『【〔〖〝﹙﹛＄（．［｛￡￥")
SPACE_EM = 0.25  # the width of a space in Times New Roman / Liberation Serif (a font metric, not a choice)


def script(ch: str) -> str:
    if unicodedata.east_asian_width(ch) in "WF":
        return ASIAN
    if ord(ch) >= 0x2000 and unicodedata.category(ch)[0] in "PSZ":
        return WEAK
    return LATIN


def is_asian(ch: str) -> bool:
    return script(ch) == ASIAN


def autospace_after(a: str, b: str) -> bool:
    """True between two letters or digits of which exactly one is Chinese."""
    return a.isalnum() and b.isalnum() and is_asian(a) != is_asian(b)


def scripts(text: str) -> list[str]:
    """The script of every character, weak signs resolved to the run they follow (or, first, precede)."""
    raw = [script(ch) for ch in text]
    strong = next((s for s in raw if s != WEAK), LATIN)
    out, last = [], strong
    for s in raw:
        last = s if s != WEAK else last
        out.append(last)
    return out


def marks(text: str) -> list[tuple[str, bool, bool, bool]]:
    """(character, ends a run, autospace after it, a line may break after it) for every character. LibreOffice
    may break a line where the script changes, unless a forbidden character would end or start a line;
    the PDF's line breaker (UAX #14) would not always, e.g. before the / of 1个/共4个."""
    sc = scripts(text)
    out = []
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        end = not nxt or sc[i + 1] != sc[i]
        space = bool(nxt) and autospace_after(ch, nxt)
        may_break = bool(nxt) and end and not space and ch not in NO_LINE_END and nxt not in NO_LINE_START
        out.append((ch, end, space, may_break))
    return out


def runs(text: str) -> list[tuple[str, str]]:
    """The script runs of ``text``, each with what follows it: "space" (the autospace), "break" (a line may
    break there) or ""."""
    out, start = [], 0
    for i, (_, end, space, may_break) in enumerate(marks(text)):
        if end:
            out.append((text[start:i + 1], "space" if space else "break" if may_break else ""))
            start = i + 1
    return out
