"""The 实地督查记录表 (on-site inspection record, Art. 9; docs/workbooks.md §9): one workbook per project,
pre-filled with what was reported, with blank columns for what the inspectors saw.

The layout is fixed here so that a filled form can be recognised by its headers when it comes back.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alxa_lib.workbooks.columns import Column

FORM_TITLE = "实地督查记录表"
# (field, header, group): what was reported (pre-filled), then what was seen (blank)
FORM_COLUMNS = (
    Column("project_id", "项目编号"), Column("name", "项目名称"), Column("department", "主管部门"),
    Column("period", "核查期次", "报送情况"), Column("status", "报送开复工状态", "报送情况"),
    Column("progress_pct", "报送形象进度（%）", "报送情况"), Column("annual_completed", "报送本年完成投资（万元）", "报送情况"),
    Column("seen_started", "现场是否开工（是/否）", "现场核实情况"),
    Column("seen_progress_pct", "现场形象进度（%）", "现场核实情况"),
    Column("seen_investment", "现场核实本年完成投资（万元）", "现场核实情况"),
    Column("workers", "现场施工人数", "现场核实情况"), Column("equipment", "主要施工设备（台套）", "现场核实情况"),
    Column("photos", "是否拍照留存（是/否）", "现场核实情况"), Column("remarks", "备注", "现场核实情况"),
    Column("inspector", "督查人员"), Column("inspected_on", "督查日期"),
)
# The stored columns (table inspection_rows), in the form's order
INSPECTION_FIELDS = tuple(c.field for c in FORM_COLUMNS)
# Headers only this form has: a workbook holding all of them is an inspection record, nothing else.
FORM_SIGNATURE = ("现场是否开工（是/否）", "现场形象进度（%）", "督查人员", "督查日期")


def _value(v: Any) -> Any:
    if v is None:
        return None
    try:
        import pandas as pd
        if not isinstance(v, (str, list, dict)) and pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def write_form(path: Path | str, row: dict, office: str, period: dt.date) -> Path:
    """One project's record form, pre-filled from ``row`` (project_id, name, department, status,
    progress_pct, annual_completed); the inspectors fill the rest."""
    from alxa_lib.workbooks.xlsx_write import TableSpec, finish_sheet, new_workbook, save_workbook, write_table
    wb = new_workbook()
    ws = wb.active
    ws.title = FORM_TITLE
    values = [_value(row.get(c.field)) for c in FORM_COLUMNS]
    values[3] = period
    spec = TableSpec(title_lines=[FORM_TITLE, f"{office}　核查期次：{period.year}年{period.month}月{period.day}日"],
                     columns=FORM_COLUMNS, rows=[values], footer_lines=[
                         "填写说明：现场核实情况由督查人员据实填写；形象进度填0–100的数字；投资以万元为单位。"],
                     widths={"name": 30, "remarks": 24})
    place = write_table(ws, spec)
    finish_sheet(ws, place.header_row, place.header_row + 2, len(FORM_COLUMNS))
    return save_workbook(wb, path)


# ------------------------------------------------------------------ reading a filled form
YES = ("是", "有", "已开工", "开工", "√", "✓", "y", "yes")
NO = ("否", "无", "未开工", "没有", "未", "×", "n", "no")
_NUMBER = ("annual_completed", "seen_investment", "workers", "equipment")
_PERCENT = ("progress_pct", "seen_progress_pct")
_DATE = ("period", "inspected_on")
_YES_NO = ("seen_started", "photos")


def _header_row(rows: list[list[Any]], scan: int = 12) -> int | None:
    from alxa_lib.workbooks.cells import fold
    # every department's workbook passes here: a sheet without 督 in its first rows (written as typed) is no form,
    # decided without folding its cells (folding every cell of every sheet cost a third of a second a year)
    if "督" not in "".join([v for r in rows[:scan + 1] for v in r if isinstance(v, str)]):  # one C-level search
        return None
    for i, r in enumerate(rows[:scan]):  # a header may take two rows (group, then column), as written
        texts = {fold(v) for rr in rows[i:i + 2] for v in rr if isinstance(v, str)}
        if all(fold(h) in texts for h in FORM_SIGNATURE) and any(isinstance(v, str) and fold(v) == "项目编号" for v in r):
            return i
    return None


def is_form(sheets: dict[str, list[list[Any]]]) -> bool:
    """True when a sheet carries every header only the record form has (``FORM_SIGNATURE``)."""
    return any(_header_row(rows) is not None for rows in sheets.values())


def yes_no(value: Any) -> tuple[bool | None, bool]:
    """是/否 and their spellings → True/False; empty → None; anything else is unusable."""
    from alxa_lib.workbooks.cells import fold, is_empty
    if is_empty(value):
        return None, True
    s = fold(value).lower()
    if s in YES:
        return True, True
    if s in NO:
        return False, True
    return None, False


def read_form(sheets: dict[str, list[list[Any]]]) -> tuple[str, list[dict], list[dict]]:
    """The records of a filled form: (sheet, one dict per project row, UNPARSEABLE_VALUE findings). Headers
    may sit two rows deep (group and column, as written) or one; columns are found by their header text."""
    from alxa_lib.rules import finding
    from alxa_lib.workbooks.cells import a1, fold, is_empty, parse_date, parse_number, parse_percent
    from alxa_lib.workbooks.rows import project_key
    sheet, rows = next((n, r) for n, r in sheets.items() if _header_row(r) is not None)
    h = _header_row(rows)
    header_rows = rows[h: h + 2]
    where: dict[str, int] = {}
    for col in FORM_COLUMNS:
        for r in header_rows:
            c = next((k for k, v in enumerate(r) if isinstance(v, str) and fold(v) == fold(col.header)), None)
            if c is not None:
                where[col.field] = c
                break
    start = h + 1
    while start < len(rows) and any(isinstance(v, str) and fold(v) in {fold(c.header) for c in FORM_COLUMNS}
                                    for v in rows[start]):
        start += 1
    records, findings = [], []
    for i in range(start, len(rows)):
        r = rows[i]
        get = lambda f: r[where[f]] if f in where and where[f] < len(r) else None  # noqa: E731
        pid = project_key(get("project_id")) if isinstance(get("project_id"), str) else None
        if not pid or not pid.isascii():  # a footer line (填写说明…) or a blank row, not a project
            continue
        rec: dict[str, Any] = {"_row": i + 1, "project_id": pid}
        for col in FORM_COLUMNS[1:]:
            raw, f = get(col.field), col.field
            if f in _NUMBER:
                v, ok = parse_number(raw)
            elif f in _PERCENT:
                v, ok = parse_percent(raw)
            elif f in _DATE:
                v, ok, _ = parse_date(raw)
            elif f in _YES_NO:
                v, ok = yes_no(raw)
            else:
                v, ok = (None if is_empty(raw) else str(raw).strip()), True
            if not ok:
                findings.append(finding("UNPARSEABLE_VALUE", project_id=pid, field=f, sheet=sheet,
                                        cell=a1(where[f], i), value=str(raw), expected=col.header))
                v = None
            rec[f] = v
        records.append(rec)
    return sheet, records, findings
