"""Reading one cell as offices write it: numbers as text, Chinese dates, synonyms (docs/workbooks.md).

Each parser returns ``(value, ok)``: ``value`` is None for an empty cell; ``ok`` is False when the
cell holds something that cannot be read (the caller turns that into ``UNPARSEABLE_VALUE``).
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import Any

from alxa_lib.vocab import PROCEDURE_STATUS, STAGE_LADDERS, STAGE_SHORT_FORMS, STATUS

EMPTY_MARKS = {"", "—", "——", "-", "--", "/", "无", "－", "暂无", "n/a", "N/A"}
UNIT_SCALE = {"万元": 1.0, "亿元": 10000.0, "元": 0.0001}
EXCEL_EPOCH = dt.date(1899, 12, 30)


_SHORT = 64  # cell texts up to this length are folded once and remembered (labels, statuses, names repeat)
_SPACE = re.compile(r"\s+")  # compiled once: these run on every cell of some columns
_UNIT_MARK = re.compile(r"\((万元|亿元|元|%|％)\)")
_NAME_NOISE = re.compile(r"[\s\W_]+")
_YEAR = re.compile(r"(\d{4})")


@functools.lru_cache(maxsize=1 << 16)
def _fold_short(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def fold(text: Any) -> str:
    """Full-width → half-width (NFKC) and trimmed; None → ''."""
    if text.__class__ is str and len(text) <= _SHORT:
        return text.strip() if text.isascii() else _fold_short(text)  # NFKC leaves every ASCII text as it is
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if not isinstance(text, str):
        text = str(text)
    return _fold_short(text) if len(text) <= _SHORT else unicodedata.normalize("NFKC", text).strip()


@functools.lru_cache(maxsize=65536)
def _norm_header_cached(text: Any) -> str:
    s = _SPACE.sub("", fold(text))
    s = s.replace("【", "(").replace("】", ")")
    s = _UNIT_MARK.sub("", s)
    return s.rstrip("%")


def norm_header(text: Any) -> str:
    """A header as compared: folded, no white space, brackets half-width, unit marks removed."""
    try:
        return _norm_header_cached(text)
    except TypeError:  # unhashable
        return _norm_header_cached.__wrapped__(text)


def header_unit(text: Any) -> str | None:
    s = fold(text)
    for unit in ("亿元", "万元", "元"):
        if f"({unit})" in s or s.endswith(unit):
            return unit
    return None


def norm_name(text: Any) -> str:
    """A project name as matched: no spaces or punctuation, width folded, the banner's name (params/banner.yaml) dropped."""
    if isinstance(text, str) and len(text) <= _SHORT:
        return _norm_name_short(text)
    return _norm_name(text)


@functools.lru_cache(maxsize=1 << 16)
def _norm_name_short(text: str) -> str:
    return _norm_name(text)


@functools.cache
def banner_names() -> tuple[str, ...]:
    """The banner's name and its short names (``params/banner.yaml``), longest first: written before a
    department's or a project's name, and dropped when names are matched."""
    from alxa_lib import params
    b = params.load("banner")
    return tuple(sorted({b["name"], *b.get("short_names", ())}, key=len, reverse=True))


def _norm_name(text: Any) -> str:
    s = fold(text)
    s = _NAME_NOISE.sub("", s)
    for prefix in banner_names():
        if s.startswith(prefix):
            s = s[len(prefix):]
    return s


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == "" or fold(value) in EMPTY_MARKS
    return False


def parse_number(value: Any, scale: float = 1.0) -> tuple[float | None, bool]:
    """A number in 万元 (``scale`` converts the column's unit); text like ``1,200万元`` is accepted."""
    if isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None, False  # NaN and ∞ never reach the ledger or JSON (docs/workbooks.md §6)
        return round(float(value) * scale, 6), True
    if is_empty(value):
        return None, True
    s = fold(value).replace(",", "").replace(" ", "")
    unit_scale = 1.0
    for unit, k in UNIT_SCALE.items():
        if s.endswith(unit):
            s, unit_scale = s[: -len(unit)], k / scale if scale else k
            break
    try:
        number = float(s) * scale * unit_scale
    except ValueError:
        return None, False
    return (round(number, 6), True) if math.isfinite(number) else (None, False)


def parse_percent(value: Any) -> tuple[float | None, bool]:
    """``45%``, ``45`` and ``0.45`` all mean 45 (a value ≤ 1 is a fraction)."""
    if isinstance(value, str) and fold(value).endswith("%"):
        n, ok = parse_number(fold(value)[:-1])
        return n, ok
    n, ok = parse_number(value)
    if n is not None and ok and 0 < n <= 1:
        n = round(n * 100, 6)
    return n, ok


_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"), "ymd"),
    (re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})月(\d{1,2})日?$"), "md"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(份)?$"), "ym"),
    (re.compile(r"^(\d{4})[./\-](\d{1,2})$"), "ym"),
    (re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(上旬|中旬|下旬|初|中|底|末|中下旬)$"), "part"),
    (re.compile(r"^(\d{2})[./\-](\d{1,2})[./\-](\d{1,2})$"), "yy"),  # 25.4.12, 25/4/12: 2025
]
# A date typed or exported as text with its time of day ("2025-04-12 00:00:00", "2025/4/12 8:30", ISO "…T00:00:00"):
# the time goes before the spaces do, so that "2025-4-1 10:00" cannot become the 11th.
_TIME_OF_DAY = re.compile(r"(?:\s+|(?<=\d)T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_PART_DAY = {"上旬": 1, "初": 1, "中旬": 11, "中": 11, "中下旬": 11, "下旬": 21, "底": 21, "末": 21}


def parse_date(value: Any, default_year: int | None = None) -> tuple[dt.date | None, bool, bool]:
    """Return ``(date, ok, approximate)``. ``3月15日`` takes ``default_year``; ``2025年3月`` is the 1st, approximate."""
    if isinstance(value, dt.datetime):
        return value.date(), True, False
    if isinstance(value, dt.date):
        return value, True, False
    if isinstance(value, bool):
        return None, False, False
    if isinstance(value, (int, float)):
        if 20000 < value < 80000:  # an Excel serial date without a date format
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), True, False
        if isinstance(value, float) and 1990 < value < 2100 and not value.is_integer():
            return parse_date(repr(value), default_year)  # 2025.6 typed as a number: a month, approximate
        return None, False, False
    if is_empty(value):
        return None, True, False
    s = _SPACE.sub("", _TIME_OF_DAY.sub("", fold(value)))
    s = re.sub(r"(\d)(前|左右|底)$", r"\1", s) if not re.search(r"月(底|末)$", s) else s
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        try:
            if kind == "ymd":
                return dt.date(int(m[1]), int(m[2]), int(m[3])), True, False
            if kind == "part":
                year = int(m[1]) if m[1] else default_year
                if year is None:
                    return None, False, False
                return dt.date(year, int(m[2]), _PART_DAY[m[3]]), True, True
            if kind == "yy":
                return _two_digit_year(int(m[1]), int(m[2]), int(m[3]), default_year)
            if kind == "md":
                if default_year is None:
                    return None, False, False
                return dt.date(default_year, int(m[1]), int(m[2])), True, False
            return dt.date(int(m[1]), int(m[2]), 1), True, True
        except ValueError:
            return None, False, False
    return None, False, False


def _two_digit_year(yy: int, month: int, day: int, default_year: int | None) -> tuple[dt.date | None, bool, bool]:
    """``25.4.12`` read as 2025-04-12 (year, month, day, as Chinese dates are written). Approximate only where
    it is ambiguous: the year falls more than a year from the file's (``default_year``), or the other
    reading, day.month.year (25 April 2012), is a date too and lies as near the file's year (within a year;
    always, without a year to compare) (docs/workbooks.md §6)."""
    chosen = dt.date(2000 + yy, month, day)  # a ValueError is caught by the caller: no such date
    if default_year is not None and abs(chosen.year - default_year) > 1:
        return chosen, True, True
    try:
        other = dt.date(2000 + day, month, yy)
    except ValueError:
        return chosen, True, False
    return chosen, True, default_year is None or abs(other.year - default_year) <= 1


def _lookup(table: dict[str, list[str]]) -> dict[str, str]:
    out = {}
    for canon, synonyms in table.items():
        for s in [canon, *synonyms]:
            out[re.sub(r"\s+", "", fold(s))] = canon
    return out


_STATUS = _lookup(STATUS)
_PROC = _lookup(PROCEDURE_STATUS)


def parse_status(value: Any) -> tuple[str | None, bool]:
    if value is None or (isinstance(value, str) and not fold(value)):
        return None, True
    key = _SPACE.sub("", fold(value))
    return (_STATUS[key], True) if key in _STATUS else (None, False)


def parse_procedure(value: Any) -> tuple[str | None, bool]:
    if value is None or (isinstance(value, str) and not fold(value)):
        return None, True
    key = _SPACE.sub("", fold(value))
    return (_PROC[key], True) if key in _PROC else (None, False)


def parse_stage(value: Any, invest_type: str | None = None) -> tuple[str | None, bool]:
    """Match a 当前阶段 to its ladder by name or common short form (docs/measures.md §9.15)."""
    if value is None or (isinstance(value, str) and not fold(value)):
        return None, True
    s = _SPACE.sub("", fold(value)).replace("（", "(").replace("）", ")")
    ladders = [STAGE_LADDERS[invest_type]] if invest_type in STAGE_LADDERS else list(STAGE_LADDERS.values())
    for ladder in ladders:
        for stage in ladder:
            if s == fold(stage):
                return stage, True
    if s in STAGE_SHORT_FORMS:
        return STAGE_SHORT_FORMS[s], True
    for short, stage in STAGE_SHORT_FORMS.items():
        if short in s:
            return stage, True
    for ladder in ladders:
        for stage in ladder:
            if fold(stage) in s or s in fold(stage):
                return stage, True
    return None, False


def parse_years(value: Any) -> tuple[tuple[int, int] | None, bool]:
    """``2024-2026``, ``2024—2026年``, ``2024年-2026年`` → (2024, 2026); a single year → (y, y)."""
    if is_empty(value):
        return None, True
    years = _YEAR.findall(fold(value))
    if len(years) == 2:
        return (int(years[0]), int(years[1])), True
    if len(years) == 1:
        return (int(years[0]), int(years[0])), True
    return None, False


def a1(col: int, row: int) -> str:
    """0-based column and 0-based row → Excel A1 reference."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"
