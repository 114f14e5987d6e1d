"""Small helpers that make sentences read naturally whatever the count: 0, 1 or many (docs/rendering.md §11).

Pure string functions; department text passes through unchanged (it is data, and each writer escapes it).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Sequence

CN_DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (for ordinals such as 第二季度 and the heading levels)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def cn_date(d: dt.date) -> str:
    """2025-06-28 → 2025年6月28日 (成文日期: no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def month_day(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def percent(x: float | None, digits: int = 1) -> str:
    """0.7 → 70%, 0.6823 → 68.2%: a whole percentage drops its decimals."""
    if x is None:
        return "—"
    v = round(x * 100, digits)
    return f"{v:.0f}%" if v == int(v) else f"{v:.{digits}f}%"


def rate(x: float | None) -> str:
    """A measured rate, always to one decimal (31.0% beside 62.5%, never 31%): one precision for one kind."""
    return "—" if x is None else f"{round(x * 100, 1):.1f}%"


def rate_gap(a: float, b: float) -> float:
    """a − b in percentage points, computed from the two rates *as printed* (49.0% − 19.4% = 29.6)."""
    return round(round(a * 100, 1) - round(b * 100, 1), 1)


def money(wan: float) -> str:
    """Money in the text (万元 in): 亿元 from 1亿 up, two decimals at most and none that say nothing
    (1816105.00万元 → 181.61亿元, 9300.00万元 → 9300万元)."""
    def trim(v: float, digits: int) -> str:
        t = f"{v:.{digits}f}"
        return t.rstrip("0").rstrip(".") if "." in t else t
    if abs(wan) >= 10000:
        return trim(wan / 10000, 2) + "亿元"
    return (trim(wan, 0) if abs(wan) >= 100 else trim(wan, 2)) + "万元"


ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
QUARTER = re.compile(r"第([1-4])季度")


GROUPED = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def cn_text(text: str) -> str:
    """Dates, quarters and numbers as the text writes them: 2025-07-24 → 2025年7月24日, 第1季度 → 第一季度,
    18,165.00 → 18165.00 (one grouping rule in the whole document: no separator)."""
    text = GROUPED.sub("", str(text))
    text = ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", str(text))
    return QUARTER.sub(lambda m: f"第{CN_DIGITS[int(m.group(1))]}季度", text)


def decimal(x: float, digits: int) -> str:
    """A figure to ``digits`` decimals, a negative one with the hyphen-minus "-" (the only minus sign of the
    documents; text says 慢于/下降 instead), never "-0.0": -34.1 → "-34.1" (docs/rendering.md §11)."""
    t = f"{round(float(x), digits):.{digits}f}"
    return t[1:] if t.startswith("-") and float(t) == 0 else t


def points(x: float) -> str:
    """A score or a gap in points with two decimals (scores are rounded to 0.01, §9.23)."""
    return f"{x:.2f}"


def join(items: Sequence[str]) -> str:
    """A、B和C: the Chinese list with 顿号 and a final 和."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return "、".join(items[:-1]) + "和" + items[-1]


def enumerate_named(items: Sequence[str], limit: int, unit: str = "个") -> str:
    """Name up to ``limit`` items; more are counted: A、B等5个 (the caller says what they are)."""
    items = list(items)
    if len(items) <= limit:
        return join(items)
    return "、".join(items[:limit]) + f"等{len(items)}{unit}"


def counted(n: int, unit: str, noun: str) -> str:
    """3个单位 / 1个单位 (Chinese has no plural; kept for one place that decides the wording)."""
    return f"{n}{unit}{noun}"


def either(n: int, zero: str, one: str, many: str, **values) -> str:
    """One of three sentences by the count, each formatted with ``n`` and ``values``."""
    text = zero if n == 0 else one if n == 1 else many
    return text.format(n=n, **values)


def sentence(*parts: str) -> str:
    """Join clauses with ，and end with 。 (empty clauses are dropped)."""
    kept = [p.strip("，。；") for p in parts if p and p.strip("，。；")]
    return "，".join(kept) + "。" if kept else ""


def paragraphs(texts: Iterable[str]) -> list[str]:
    return [t for t in texts if t]
