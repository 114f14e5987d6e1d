"""The 实地督查记录表 (on-site inspection record, Art. 9; docs/workbooks.md §9): one workbook per project,
pre-filled with what was reported, with blank columns for what the inspectors saw.

The layout is fixed here so that a filled form can be recognised by its headers when it comes back.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alxa_lib.workbooks.xlsx_write import Column, TableSpec, finish_sheet, new_workbook, save_workbook, write_table

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
