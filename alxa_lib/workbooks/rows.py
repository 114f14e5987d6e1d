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


def read_rows(rows: list[list[Any]], table: Table, *, year: int | None, ctx: dict, bad_cells: dict[str, str],
              findings: list[dict]) -> tuple[list[dict], list[dict]]:
    """Convert the table's data rows; return (rows, total rows). Every cell present but unusable — an
    Excel error, a formula without result (``bad_cells``: A1 → what to show), text that is no number,
    NaN, ∞, a negative or absurd amount — becomes a finding with its raw text kept, in any field."""
    out, totals = [], []
    section_class = None
    cap = params.load("ingest")["max_rows"]
    for r in range(table.data_start, len(rows)):
        raw_row = rows[r]
        cells = {f: (raw_row[c] if c < len(raw_row) else None) for f, c in table.columns.items()}
        nonempty = [v for v in raw_row if not is_empty(v)]
        if not nonempty:
            continue
        first = fold(nonempty[0])
        name_text = fold(cells.get("name"))
        if _FOOTER.match(first) and (not name_text or _FOOTER.match(name_text)):
            break
        if _SECTION.match(first) and not fold(cells.get("project_id")) and len(nonempty) <= 2:
            section_class = "MP" if "前期" in "".join(map(fold, nonempty)) else "KC"
            continue  # a section heading such as 一、重点建设项目: it sets the class of the rows below
        label = "".join(fold(cells.get(k)) for k in ("seq", "project_id", "name") if cells.get(k) is not None)
        if re.search(r"合\s*计|总\s*计", label):
            totals.append({"_row": r + 1, **{f: cells[f] for f in cells}})
            continue
        if len(out) >= cap:
            raise RejectedFile("oversized", f"表格超过{cap}行，请拆分后报送 / more than {cap} rows: split the file and resend")
        rec: dict[str, Any] = {"_row": r + 1}
        row_ctx = dict(ctx, project_id=fold(cells.get("project_id")) or None)
        for f, raw in cells.items():
            ref = a1(table.columns[f], r)
            if ref in bad_cells:
                findings.append(finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=ref,
                                        value=bad_cells[ref], expected=_EXPECTED_CN.get(_expected(f), "有效值"),
                                        **row_ctx))
                rec[f] = None
                rec[f"_raw_{f}"] = bad_cells[ref]
                continue
            value, ok, expected = _convert(f, raw, table.units.get(f, 1.0), year)
            if ok and expected == "approx_date":
                findings.append(finding("APPROXIMATE_DATE", field=f, sheet=table.sheet, cell=ref, value=fold(raw)[:50],
                                        date=value.isoformat(), **row_ctx))
                rec[f"_approx_{f}"] = fold(raw)[:200]
                expected = "date"
            if not ok:
                findings.append(finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=ref,
                                        value=fold(raw)[:50], expected=_EXPECTED_CN.get(expected, "有效值"), **row_ctx))
                rec[f"_raw_{f}"] = fold(raw)[:200]
            rec[f] = value
        if section_class and "class" in rec and rec["class"] is None:
            rec["class"] = section_class
        elif section_class and "class" not in table.columns:
            rec["class"] = section_class
        out.append(rec)
    return out, totals


def frame(rows: list[dict], fields: list[str]) -> pd.DataFrame:
    cols = ["_row", *fields]
    extra = sorted({k for r in rows for k in r if k.startswith(("_raw_", "_approx_"))})
    cols += extra
    return pd.DataFrame([[r.get(k) for k in cols] for r in rows], columns=cols, dtype=object)


# ------------------------------------------------------------------ the kinds
