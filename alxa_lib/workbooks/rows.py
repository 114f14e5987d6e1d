"""Reading the rows of a found table: every cell converted, findings for what cannot be read."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

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
    if f in ("seq",):
        return raw, True, ""
    if f == "project_id":
        s = re.sub(r"\s+", "", fold(raw))  # U+00A0, U+3000 and any other white space (docs/workbooks.md §6)
        return (s or None), True, ""
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


_TOTAL = re.compile(r"合\s*计|总\s*计")
_NOTHING = object()


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
    for r in range(table.data_start, len(rows)):
        row = rows[r]
        n = len(row)
        first = row[0] if n and not is_empty(row[0]) else next((v for v in row if not is_empty(v)), _NOTHING)
        if first is _NOTHING:
            continue
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
        label = "".join([fold(row[c]) for c in label_cols if c < n and row[c] is not None])
        if _TOTAL.search(label):
            totals.append({"_row": r + 1, **{f: (row[c] if c < n else None) for f, c in cols.items()}})
            continue
        if len(kept) >= cap:
            raise RejectedFile("oversized", f"表格超过{cap}行，请拆分后报送 / more than {cap} rows: split the file and resend")
        kept.append((r, section_class))
    return kept, totals


def read_rows(rows: list[list[Any]], table: Table, *, year: int | None, ctx: dict, bad_cells: dict[str, str],
              findings: list[dict]) -> tuple[list[dict], list[dict]]:
    """Convert the table's data rows; return (rows, total rows). Every cell present but unusable — an
    Excel error, a formula without result (``bad_cells``: A1 → what to show), text that is no number,
    NaN, ∞, a negative or absurd amount — becomes a finding with its raw text kept, in any field.

    Cells are converted a column at a time, each distinct value once (a column repeats its words and
    numbers); findings come out in row order, then column order."""
    kept, totals = _data_rows(rows, table)
    bad = {_rc(ref): text for ref, text in bad_cells.items()}
    data = [rows[r] for r, _ in kept]
    names, columns = ["_row"], [[r + 1 for r, _ in kept]]
    marks: list[tuple[int, str, Any]] = []  # (row position, key, what was written) of _raw_/_approx_ marks
    found: list[tuple[int, int, dict]] = []
    c_id = table.columns.get("project_id")

    def row_ctx(r: int) -> dict:
        raw_id = rows[r][c_id] if c_id is not None and c_id < len(rows[r]) else None
        return dict(ctx, project_id=fold(raw_id) or None)

    for j, (f, c) in enumerate(table.columns.items()):
        raws = [row[c] if c < len(row) else None for row in data]
        got = _convert_column(f, raws, table.units.get(f, 1.0), year)
        values = [g[0] for g in got]
        odd = [k for k, g in enumerate(got) if not g[1] or g[2] == "approx_date"]
        odd += [k for k, (r, _) in enumerate(kept) if (r, c) in bad] if bad else []
        for k in sorted(set(odd)):
            r, raw = kept[k][0], raws[k]
            if (r, c) in bad:
                found.append((k, j, finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=a1(c, r),
                                            value=bad[r, c], expected=_EXPECTED_CN.get(_expected(f), "有效值"),
                                            **row_ctx(r))))
                values[k] = None
                marks.append((k, f"_raw_{f}", bad[r, c]))
            elif got[k][1]:
                found.append((k, j, finding("APPROXIMATE_DATE", field=f, sheet=table.sheet, cell=a1(c, r),
                                            value=fold(raw)[:50], date=values[k].isoformat(), **row_ctx(r))))
                marks.append((k, f"_approx_{f}", fold(raw)[:200]))
            else:
                found.append((k, j, finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=a1(c, r),
                                            value=fold(raw)[:50], expected=_EXPECTED_CN.get(got[k][2], "有效值"),
                                            **row_ctx(r))))
                marks.append((k, f"_raw_{f}", fold(raw)[:200]))
        names.append(f)
        columns.append(values)
    recs: list[dict[str, Any]] = [dict(zip(names, vals)) for vals in zip(*columns)]
    for k, key, text in marks:
        recs[k][key] = text
    found.sort(key=lambda t: (t[0], t[1]))
    findings += [f for _, _, f in found]
    for rec, (_, section_class) in zip(recs, kept):
        if section_class and rec.get("class", _NOTHING) is None:
            rec["class"] = section_class
        elif section_class and "class" not in table.columns:
            rec["class"] = section_class
    return recs, totals


def _convert_column(f: str, raws: list, scale: float, year: int | None) -> list[tuple[Any, bool, str]]:
    """``_convert`` of every cell of a column, each distinct value converted once."""
    memo: dict = {}

    def one(raw: Any) -> tuple[Any, bool, str]:
        try:
            key = (raw.__class__, raw)
            out = memo.get(key)
            if out is None:
                out = memo[key] = _convert(f, raw, scale, year)
            return out
        except TypeError:  # an unhashable value: converted on its own
            return _convert(f, raw, scale, year)

    return [one(raw) for raw in raws]


def frame(rows: list[dict], fields: list[str]) -> pd.DataFrame:
    cols = ["_row", *fields]
    keys = set().union(*map(dict.keys, rows)) if rows else set()
    cols += sorted(k for k in keys if k.startswith(("_raw_", "_approx_")))
    if len(rows) > 1000:  # a large table is quicker to build a column at a time, a small one a row at a time
        return pd.DataFrame({k: [r.get(k) for r in rows] for k in cols}, columns=cols, dtype=object)
    return pd.DataFrame([[r.get(k) for k in cols] for r in rows], columns=cols, dtype=object)
