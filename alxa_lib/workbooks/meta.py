"""What the lines above a table say: department (填报单位), title date (截至), fill date, signature."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.files import shown_name
from alxa_lib.errors import RejectedFile  # noqa: F401 - re-exported for callers
from alxa_lib.workbooks.cells import banner_names, fold, is_empty, parse_date


def _strip_dept(text: str) -> str:
    s = re.sub(r"\s+", "", fold(text))
    s = re.sub(r"[（(]盖章[)）]|盖章", "", s)
    for prefix in (*banner_names(), "旗"):
        if s.startswith(prefix) and len(s) > len(prefix) + 1:
            s = s[len(prefix):]
    return s


def resolve_department(text: Any) -> str | None:
    """Canonical department for a 填报单位 or file name, through the alias table in params."""
    if is_empty(text):
        return None
    return _aliases(params.load("ingest")["departments"]).get(_strip_dept(str(text)))


def department_hint(text: Any) -> tuple[str, str]:
    """An unknown department as the sender wrote it, without its stamp (``往建局(盖章)`` → ``往建局``), and the
    closest known departments (``住建局``), for the refusal line."""
    import difflib
    shown = _strip_dept(str(text)) or str(text)
    index = _aliases(params.load("ingest")["departments"])
    near = difflib.get_close_matches(shown, list(index), n=3, cutoff=0.5)
    return shown, "、".join(dict.fromkeys(index[n] for n in near))


_ALIASES: dict[int, tuple[dict, dict[str, str]]] = {}


def _aliases(table: dict) -> dict[str, str]:
    """Every spelling of the alias table, as compared, → its department (the first department listing it)."""
    if id(table) not in _ALIASES or _ALIASES[id(table)][0] is not table:
        index: dict[str, str] = {}
        for canon, aliases in table.items():
            for name in (canon, *(aliases or [])):
                index.setdefault(_strip_dept(name), canon)
        _ALIASES[id(table)] = (table, index)
    return _ALIASES[id(table)][1]


def department_from_filename(path: Path) -> str | None:
    stem = Path(shown_name(path.name)).stem  # a GBK name is read from its bytes
    for part in [stem, *re.split(r"[_\-\s（(]", stem)]:
        d = resolve_department(part)
        if d:
            return d
    return None


def meta_value(lines: list[str], key: str) -> str | None:
    for line in lines:
        m = re.search(key + r"\s*[:：]\s*((?:[^\s：:]|\s(?!\s))*?)"  # a single space inside a value is part of it
                      r"(?=\s*$|\s{2}|\s*(?:填报|主要|版本|报送|审核)|\s+[^\s：:]+[:：])", line)
        if m:
            return m.group(1)
    return None


def meta_date(lines: list[str], key: str) -> dt.date | None:
    for line in lines:
        m = re.search(key + r"\s*[:：]\s*(\d{4}\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?)", line)
        if m:
            d, ok, _ = parse_date(m.group(1))
            if ok:
                return d
    return None


def title_asof(lines: list[str]) -> dt.date | None:
    for line in lines:
        m = re.search(r"截[至止]\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", fold(line))
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def title_year(lines: list[str]) -> int | None:
    for line in lines:
        m = re.search(r"(\d{4})\s*年", line)
        if m:
            return int(m[1])
    return None


def folder_period(path: Path) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", path.parent.name)
    if not m:
        return None
    try:
        return cal.period_on_or_after(dt.date(int(m[1]), int(m[2]), int(m[3])))
    except ValueError:
        return None


def text_lines(rows: list[list[Any]], upto: int) -> list[str]:
    return ["  ".join(fold(v) for v in r if not is_empty(v)) for r in rows[:upto]]


# ------------------------------------------------------------------ kind detection
