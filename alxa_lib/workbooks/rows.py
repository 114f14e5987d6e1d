"""Reading the rows of a found table: every cell converted, findings for what cannot be read."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib.errors import RejectedFile  # noqa: F401 - re-exported for callers
from alxa_lib.rules import finding
from alxa_lib.vocab import AMOUNT_FIELDS, CLASS, DATE_FIELDS, INVEST_TYPE, NATURE, PROCEDURES
from alxa_lib.workbooks.cells import (
    a1,
    fold,
    is_empty,
    parse_date,
    parse_number,
    parse_percent,
    parse_procedure,
    parse_stage,
    parse_status,
    parse_years,
)
from alxa_lib.workbooks.tables import Table

_TEXT_FIELDS = {"name", "project_unit", "leader", "location", "sector", "scale_content", "unstarted_reason",
                "progress_text", "problems", "measures", "liaison", "phone", "note", "item", "owner",
                "description", "kind", "reason", "basis", "source", "unit", "title", "approval_no", "indicator",
                "adj_type", "type", "quarter", "problem_id", "replacement_id", "start_type", "target_label",
                "old_value", "new_value"} | {f"q{i}_goal" for i in range(1, 5)}
_EXPECTED_CN = {"amount": "数字", "amount_range": "0至上限之间的金额", "date": "日期", "status": "开复工状态", "procedure": "手续办理状态",
                "percent": "百分比", "stage": "项目阶段", "years": "建设年限", "class": "项目类别",
                "nature": "建设性质", "invest_type": "投资类型"}


def _convert(f: str, raw: Any, scale: float, year: int | None) -> tuple[Any, bool, str]:
    """Convert one raw cell of field ``f``; return (value, ok, expected-kind)."""
    if f == "seq":  # first: one per row, and no other rule applies to these two
        return raw, True, ""
    if f == "project_id":
        return project_key(raw), True, ""
    if f in AMOUNT_FIELDS or f == "points":
        v, ok = parse_number(raw, scale)
        if v is not None and f != "points" and not 0 <= v <= params.load("ingest")["max_amount_wan"]:
            return None, False, "amount_range"  # a negative or absurd amount is never stored (§9.17)
        return (round(v, 2) if v is not None else None), ok, "amount"
    if f in DATE_FIELDS:
        v, ok, approx = parse_date(raw, year)
        return v, ok, ("approx_date" if approx and ok and v is not None else "date")
    if f == "status":
        v, ok = parse_status(raw)
        return v, ok, "status"
    if f in PROCEDURES:
        v, ok = parse_procedure(raw)
        return v, ok, "procedure"
    if f == "progress_pct":
        v, ok = parse_percent(raw)
        return v, ok, "percent"
    if f in ("current_stage", "target_stage") or (f.startswith("q") and f.endswith("_stage")):
        v, ok = parse_stage(raw)
        return v, ok, "stage"
    if f == "years":
        v, ok = parse_years(raw)
        return v, ok, "years"
    if f == "class":
        s = fold(raw)
        return (CLASS.get(s) or (s if s in ("KC", "MP") else None)), (is_empty(raw) or s in CLASS or s in ("KC", "MP")), "class"
    if f == "nature":
        s = fold(raw)
        return NATURE.get(s), is_empty(raw) or s in NATURE, "nature"
    if f == "invest_type":
        s = fold(raw)
        return INVEST_TYPE.get(s), is_empty(raw) or s in INVEST_TYPE, "invest_type"
    # free text: kept as written (only trimmed), never interpreted
    if raw is None:
        return None, True, ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (dt.date,)):
        raw = raw.isoformat()
    s = str(raw).strip()
    return (s or None), True, ""


def _expected(f: str) -> str:
    """What a field's cell should hold, for the message of an unusable cell."""
    if f in AMOUNT_FIELDS or f == "points":
        return "amount"
    if f in DATE_FIELDS:
        return "date"
    return {"status": "status", "progress_pct": "percent", "years": "years"}.get(f, "")


_SECTION = re.compile(r"^([一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十]+）|重点建设项目$|重大前期项目$)")
_FOOTER = re.compile(r"^(审核人|填报人|注[:：]|说明[:：]|备注[:：]|制表|单位负责人)")


_TOTAL = re.compile(r"合\s*计|总\s*计|小\s*计")
# a cell that is a total's label wherever it stands (合计, 小计：, 本页合计, 全部项目总计（万元）)
_TOTAL_CELL = re.compile(r"^(?:本页|本表|全部|所有)?(?:项目)?(?:合计|总计|小计)[:：]?(?:\(.*\))?$")
_NOTHING = object()
_NUMERIC = {bool, int, float}
_SPACE = re.compile(r"\s+")
# dashes a Chinese keyboard or a word processor puts where the plan has "-": 2025—ZD—001, 2025——ZD——001
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d-]+")


def project_key(raw: Any) -> str | None:
    """A 项目编号 as the plan writes it: without any white space (U+00A0, U+3000 …), in capitals, every run of
    dashes one "-" (2025-zd-001, 2025—ZD—001 and 2025 -ZD- 001 are 2025-ZD-001; docs/workbooks.md §6)."""
    if isinstance(raw, str) and raw.isascii():  # the common case, 20,000 times in a large workbook: no regex
        s = "".join(raw.split()).upper()
        return (_DASHES.sub("-", s) if "--" in s else s) or None
    return _DASHES.sub("-", _SPACE.sub("", fold(raw)).upper()) or None


def _rc(ref: str) -> tuple[int, int]:
    """An A1 reference → 0-based (row, column)."""
    letters = ref.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, col - 1


def _data_rows(rows: list[list[Any]], table: Table) -> tuple[list[tuple[int, str | None]], list[dict]]:
    """The table's data rows (row index, class of its section heading) and its 合计 rows: blank rows, section
    headings and total rows skipped, stopping at the footer (审核人…)."""
    cols = table.columns
    c_name, c_id = cols.get("name"), cols.get("project_id")
    label_cols = [cols[k] for k in ("seq", "project_id", "name") if k in cols]
    cap = params.load("ingest")["max_rows"]
    kept: list[tuple[int, str | None]] = []
    totals: list[dict] = []
    section_class = None
    spelling = _total_spellings(rows, table.data_start, label_cols)
    for r in range(table.data_start, len(rows)):
        row = rows[r]
        # the common row, a number first and no label that could spell 合计, is kept at once: the checks
        # below would find nothing in it
        if not (row and row[0].__class__ in _PLAIN_FIRST and not (spelling and any(
                c < len(row) and row[c] in spelling for c in label_cols))):
            n = len(row)
            first = row[0] if n and not is_empty(row[0]) else next((v for v in row if not is_empty(v)), _NOTHING)
            if first is _NOTHING:
                continue
            if isinstance(first, str):  # a number, a date or a bool never reads as a footer or a heading
                first = fold(first)
                if _FOOTER.match(first):
                    name_text = fold(row[c_name]) if c_name is not None and c_name < n else ""
                    if not name_text or _FOOTER.match(name_text):
                        break
                if _SECTION.match(first) and not (fold(row[c_id]) if c_id is not None and c_id < n else ""):
                    nonempty = [v for v in row if not is_empty(v)]
                    if len(nonempty) <= 2:
                        section_class = "MP" if "前期" in "".join(map(fold, nonempty)) else "KC"
                        continue  # a section heading such as 一、重点建设项目: it sets the class of the rows below
            # 合计 can only be spelt by text: any other value stands as one character that is neither
            label = "".join([fold(v) if isinstance(v, str) else "#"
                             for c in label_cols if c < n and (v := row[c]) is not None])
            if _TOTAL.search(label) or (not label.strip("#") and _total_elsewhere(row)):
                totals.append({"_row": r + 1, **{f: (row[c] if c < n else None) for f, c in cols.items()}})
                continue
        if len(kept) >= cap:
            raise RejectedFile("oversized", f"表格超过{cap}行，请拆分后报送 / more than {cap} rows: split the file and resend")
        kept.append((r, section_class))
    return kept, totals


_PLAIN_FIRST = {int, float}  # a first cell of these types is no footer, heading or empty cell


def fill_merged(rows: list[list[Any]], merges, table: Table, fields) -> None:
    """Give every data row a vertically merged cell covers the merged cell's value, in the columns of
    ``fields`` (``params/ingest.yaml`` ``merged_fill``: 联络员, 联系电话): a reader sees the value in the
    first row only. Amount columns are never filled (a merged amount is one amount, not one per row)."""
    cols = {table.columns[f] for f in fields if f in table.columns}
    if not cols or not merges:
        return
    for (r0, c0), (r1, c1) in merges:
        if r1 <= r0 or r0 < table.data_start or r0 >= len(rows):
            continue
        for c in cols.intersection(range(c0, c1 + 1)):
            value = rows[r0][c] if c < len(rows[r0]) else None
            if is_empty(value):
                continue
            for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
                row = rows[r]
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                if is_empty(row[c]):
                    row[c] = value


def _total_elsewhere(row: list[Any]) -> bool:
    """A row without 序号, 项目编号 or 项目名称 whose label, in any column, spells a total (合计 in 项目类别)."""
    return any(isinstance(v, str) and "计" in v and _TOTAL_CELL.match(_SPACE.sub("", fold(v))) for v in row)


def _total_spellings(rows: list[list[Any]], start: int, label_cols: list[int]) -> set[str]:
    """The texts of the label columns that, folded, hold 计 (without it no label spells 合计 or 总计)."""
    # 计 is in a text exactly when it is in the text folded: NFKC makes it from no other character, so the
    # texts are filtered before any is folded (a 20,000-row table has 20,000 distinct ids and names)
    texts = set()
    for c in label_cols:
        texts.update([v for row in rows[start:] if c < len(row) and isinstance(v := row[c], str) and "计" in v])
    return {t for t in texts if "计" in fold(t)}


@dataclass
class Columns:
    """A table's converted data rows, a column at a time: ``values`` field → one value per row (``_row``:
    the 1-based sheet row), ``marks`` the ``_raw_``/``_approx_`` texts by key and row position."""
    values: dict[str, list]
    marks: dict[str, dict[int, Any]]

    def __len__(self) -> int:
        return len(self.values["_row"])

    def records(self) -> list[dict[str, Any]]:
        """One dict per row: its fields, and the marks it has."""
        names = list(self.values)
        recs = [dict(zip(names, vals)) for vals in zip(*self.values.values())]
        for key, at in self.marks.items():
            for k, text in at.items():
                recs[k][key] = text
        return recs

    def lists(self, fields: list[str]) -> tuple[dict[str, list], int]:
        """The columns of :meth:`frame` as lists (a new dict; the lists of values are shared), and the row count."""
        n = len(self)
        out = {k: self.values.get(k) or [None] * n for k in ["_row", *fields]}
        for key in sorted(self.marks) if n else ():
            at = self.marks[key]
            out[key] = [at.get(k) for k in range(n)]
        return out, n

    def frame(self, fields: list[str]) -> pd.DataFrame:
        """As :func:`frame` of :meth:`records`: ``_row``, the fields, then the mark columns by name."""
        n = len(self)
        if not n:
            return frame([], fields)
        cols = ["_row", *fields, *sorted(self.marks)]
        block = np.empty((len(cols), n), dtype=object)  # one object block, None where nothing is set
        for j, k in enumerate(cols):
            if k in self.values:
                block[j] = np.fromiter(self.values[k], dtype=object, count=n)  # a tuple stays one value
            elif k in self.marks:
                for at, text in self.marks[k].items():
                    block[j, at] = text
        return pd.DataFrame(block.T, columns=cols, dtype=object, copy=False)


def read_rows(rows: list[list[Any]], table: Table, *, year: int | None, ctx: dict, bad_cells: dict[str, str],
              findings: list[dict]) -> tuple[list[dict], list[dict]]:
    """:func:`read_columns`, one dict per row: (rows, total rows)."""
    got, totals = read_columns(rows, table, year=year, ctx=ctx, bad_cells=bad_cells, findings=findings)
    return got.records(), totals


def read_columns(rows: list[list[Any]], table: Table, *, year: int | None, ctx: dict, bad_cells: dict[str, str],
                 findings: list[dict]) -> tuple[Columns, list[dict]]:
    """Convert the table's data rows; return (their columns, total rows). Every cell present but unusable —
    an Excel error, a formula without result (``bad_cells``: A1 → what to show), text that is no number,
    NaN, ∞, a negative or absurd amount — becomes a finding with its raw text kept, in any field.

    Cells are converted a column at a time, each distinct value once (a column repeats its words and
    numbers); findings come out in row order, then column order."""
    kept, totals = _data_rows(rows, table)
    data = [rows[r] for r, _ in kept]
    width = min(map(len, data), default=0)
    position = {r: k for k, (r, _) in enumerate(kept)}
    bad_at: dict[int, list[int]] = {}  # column → row positions of its unusable cells
    bad = {}
    for ref, text in bad_cells.items():
        r, c = _rc(ref)
        bad[r, c] = text
        if r in position:
            bad_at.setdefault(c, []).append(position[r])
    values: dict[str, list] = {"_row": [r + 1 for r, _ in kept]}
    marks: dict[str, dict[int, Any]] = {}
    found: list[tuple[int, int, dict]] = []
    c_id = table.columns.get("project_id")

    def row_ctx(r: int) -> dict:
        raw_id = rows[r][c_id] if c_id is not None and c_id < len(rows[r]) else None
        return dict(ctx, project_id=project_key(raw_id))

    def mark(key: str, k: int, text: Any) -> None:
        marks.setdefault(key, {})[k] = text

    # rows of one width (a dense reader's) are turned into columns in one pass
    by_column = list(zip(*data)) if data and width == max(map(len, data)) else None
    for j, (f, c) in enumerate(table.columns.items()):
        if c < width:
            raws = by_column[c] if by_column is not None else list(map(itemgetter(c), data))
        else:
            raws = [row[c] if c < len(row) else None for row in data]
        column, odd, got = _convert_column(f, raws, table.units.get(f, 1.0), year)
        for k in sorted(set(odd + bad_at.get(c, []))):
            r, raw = kept[k][0], raws[k]
            if (r, c) in bad:
                found.append((k, j, finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=a1(c, r),
                                            value=bad[r, c], expected=_EXPECTED_CN.get(_expected(f), "有效值"),
                                            **row_ctx(r))))
                column[k] = None
                mark(f"_raw_{f}", k, bad[r, c])
            elif got(k)[1]:
                found.append((k, j, finding("APPROXIMATE_DATE", field=f, sheet=table.sheet, cell=a1(c, r),
                                            value=fold(raw)[:50], date=column[k].isoformat(), **row_ctx(r))))
                mark(f"_approx_{f}", k, fold(raw)[:200])
            else:
                found.append((k, j, finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=a1(c, r),
                                            value=fold(raw)[:50], expected=_EXPECTED_CN.get(got(k)[2], "有效值"),
                                            **row_ctx(r))))
                mark(f"_raw_{f}", k, fold(raw)[:200])
        values[f] = column
    found.sort(key=lambda t: (t[0], t[1]))
    findings += [f for _, _, f in found]
    _section_classes(values, [section for _, section in kept], "class" in table.columns)
    return Columns(values, marks), totals


def _section_classes(values: dict[str, list], sections: list[str | None], has_class: bool) -> None:
    """A row under a section heading (一、重点建设项目) takes its class when it states none."""
    if not any(sections):
        return
    if has_class:
        values["class"] = [section if section and given is None else given
                           for given, section in zip(values["class"], sections)]
    else:
        values["class"] = [section or None for section in sections]


def _convert_column(f: str, raws: list, scale: float, year: int | None
                    ) -> tuple[list, list[int], Callable[[int], tuple[Any, bool, str]]]:
    """``_convert`` of every cell of a column, each distinct value converted once: the values, the positions
    of the cells that need a finding (unusable, or an approximate date), and the whole result at a position."""
    if f == "seq":  # kept as written: one value per row, nothing to remember
        return list(raws), [], lambda k: (raws[k], True, "")
    try:
        if f == "project_id" and _NUMERIC.isdisjoint(map(type, raws)):  # never unusable; ids are distinct
            column = list(map(project_key, raws))  # (each its own: remembering them would cost, not save)
            return column, [], lambda k: (column[k], True, "")
        keys, memo = raws, dict.fromkeys(raws)
        # a value is its own key unless two numeric types share the column (1, 1.0 and True are equal but
        # read differently): then the key is (type, value). Without a number among its values, they cannot.
        if not _NUMERIC.isdisjoint(map(type, memo)) and len(_NUMERIC.intersection(map(type, raws))) > 1:
            keys = list(zip(map(type, raws), raws))
            memo = dict.fromkeys(keys)
    except TypeError:  # an unhashable value: every cell converted on its own
        got = [_convert(f, raw, scale, year) for raw in raws]
        return [g[0] for g in got], [k for k, g in enumerate(got) if _odd(g)], got.__getitem__
    value = {}
    for key in memo:
        memo[key] = _convert(f, key if keys is raws else key[1], scale, year)
        value[key] = memo[key][0]
    odd = {key for key, g in memo.items() if _odd(g)}
    return (list(map(value.__getitem__, keys)), [k for k, key in enumerate(keys) if key in odd] if odd else [],
            lambda k: memo[keys[k]])


def _odd(result: tuple[Any, bool, str]) -> bool:
    return not result[1] or result[2] == "approx_date"


def frame(rows: list[dict], fields: list[str]) -> pd.DataFrame:
    cols = ["_row", *fields]
    keys = set().union(*map(dict.keys, rows)) if rows else set()
    cols += sorted(k for k in keys if k.startswith(("_raw_", "_approx_")))
    if len(rows) > 1000:  # a large table is quicker to build a column at a time, a small one a row at a time
        return pd.DataFrame({k: [r.get(k) for r in rows] for k in cols}, columns=cols, dtype=object)
    return pd.DataFrame([[r.get(k) for k in cols] for r in rows], columns=cols, dtype=object)
