"""Pre-filled period-report templates, one per department, in the official format (docs/workbooks.md §3).

Locked indicators come from the plan in force and are protected; dropdowns prevent bad status,
procedure and stage words at the source.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation

from alxa_lib import params
from alxa_lib.errors import BadParameter
from alxa_lib.vocab import (CLASS, NATURE, PROCEDURE_STATUS, REPORT_FIELDS, REPORT_GROUPS, STAGE_LADDERS, STATUS,
                            UNSTARTED_REASONS)
from alxa_lib.workbooks.plan import apply_adjustments
from alxa_lib.workbooks.reader import read_workbook
from alxa_lib.workbooks.xlsx_write import Column, TableSpec, new_workbook, save_workbook, write_table

KIND_CN = {"report": "半月报表", "schedule": "倒排工期计划", "start_report": "开（复）工报告", "registers": "登记簿"}
LOCKED = ("seq", "project_id", "name", "class", "nature", "total_investment", "annual_planned", "years")
AMOUNT_FORMAT = "#,##0.00"
SHEET = "重点建设项目表"


def report_columns() -> list[Column]:
    group_of = {f: g for g, fs in REPORT_GROUPS.items() for f in fs}
    return [Column(f, names[0], group_of.get(f)) for f, names in REPORT_FIELDS.items()]


def load_plan(plan_path: Path, registers_path: Path | None, day: dt.date) -> pd.DataFrame:
    res = read_workbook(plan_path)
    if res.kind != "plan":
        raise BadParameter(f"{plan_path.name} 不是年度计划表（识别为：{KIND_CN.get(res.kind, res.kind)}）",
                           f"{plan_path.name} is not a plan workbook (it reads as: {res.kind})")
    plan = res.frames["plan_rows"].rename(columns={"_sheet": "sheet"})
    plan["start_year"] = [y[0] if isinstance(y, tuple) else None for y in plan["years"]]
    plan["end_year"] = [y[1] if isinstance(y, tuple) else None for y in plan["years"]]
    adjustments = read_workbook(registers_path).frames["adjustments"] if registers_path else None
    return apply_adjustments(plan, adjustments, day)


def write_templates(plan_path: Path | str, period: dt.date, out_dir: Path | str,
                    registers_path: Path | str | None = None) -> list[Path]:
    """Write ``<out>/<部门>_<period>.xlsx`` for each department of the plan in force on ``period``."""
    plan = load_plan(Path(plan_path), Path(registers_path) if registers_path else None, period)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for dept, rows in plan.groupby("department", sort=True):
        rows = rows.sort_values(["class", "project_id"])  # KC before MP
        paths.append(_write_one(dept, rows, period, out))
    return paths


def _write_one(dept: str, rows: pd.DataFrame, period: dt.date, out: Path) -> Path:
    cols = report_columns()
    nature_cn = {v: k for k, v in NATURE.items()}
    class_cn = {v: k for k, v in CLASS.items()}
    values = []
    for i, r in enumerate(rows.to_dict("records"), start=1):
        v = {"seq": i, "project_id": r["project_id"], "name": r["name"], "class": class_cn.get(r["class"]),
             "nature": nature_cn.get(r["nature"]), "total_investment": r["total_investment"],
             "annual_planned": None if pd.isna(r["annual_planned"]) else r["annual_planned"],
             "years": f"{int(r['start_year'])}-{int(r['end_year'])}" if pd.notna(r["start_year"]) else None}
        values.append([v.get(c.field) for c in cols])
    title = f"{params.load('banner')['name']}{period.year}年重点建设项目进展情况表（截至{period.year}年{period.month}月{period.day}日）"
    meta = f"填报单位：{dept}（盖章）  主要领导签字：  填报日期：    年  月  日"
    spec = TableSpec(title_lines=[title, meta], columns=cols, rows=values,
                     footer_lines=["审核人：          填报人：          联系电话："])
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET
    place = write_table(ws, spec, styled=True)
    first, last = place.data_rows[0] if place.data_rows else place.header_row + 2, \
        place.data_rows[-1] if place.data_rows else place.header_row + 2
    _dropdown(ws, place.col_of["status"], first, last, list(STATUS))
    for f in ("proc_approval", "proc_planning", "proc_land", "proc_eia", "proc_energy", "proc_water",
              "proc_design", "proc_tender", "proc_permit"):
        _dropdown(ws, place.col_of[f], first, last, list(PROCEDURE_STATUS))
    stages = list(dict.fromkeys(STAGE_LADDERS["gov"] + STAGE_LADDERS["nongov"]))
    _dropdown(ws, place.col_of["current_stage"], first, last, stages)
    _dropdown(ws, place.col_of["unstarted_reason"], first, last, UNSTARTED_REASONS, strict=False,
              prompt="可从下拉列表选择原因类别，再补充说明")
    for f in ("annual_completed", "cumulative_completed"):
        _validate(ws, place.col_of[f], first, last, "decimal", "greaterThanOrEqual", "0", None,
                  "单位：万元，保留两位小数，不小于0；不要填“万元”二字", "请填写不小于0的数字（万元）")
    _validate(ws, place.col_of["progress_pct"], first, last, "decimal", "between", "0", "100",
              "填写0–100之间的数字（不带%），如 45", "形象进度占比应为0–100之间的数字")
    year_first, year_last = dt.date(period.year, 1, 1), dt.date(period.year, 12, 31)
    for f in ("start_date", "expected_start"):
        _validate(ws, place.col_of[f], first, last, "date", "between", _serial(year_first), _serial(year_last),
                  f"日期格式：{period.year}-05-01（在{period.year}年内）", f"请填写{period.year}年内的日期，格式如 {period.year}-05-01")
    for row in range(first, last + 1):
        for c in cols:
            cell = ws[f"{place.col_of[c.field]}{row}"]
            if c.field not in LOCKED:
                cell.protection = Protection(locked=False)
            if c.field in ("total_investment", "annual_planned", "annual_completed", "cumulative_completed"):
                cell.number_format = AMOUNT_FORMAT
            elif c.field in ("start_date", "expected_start"):
                cell.number_format = "yyyy-mm-dd"
            elif c.field == "progress_pct":
                cell.number_format = "0.0"
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.freeze_panes = f"D{place.header_row + 2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{place.header_row}:{place.header_row + 1}"
    path = out / f"{dept}_{period.isoformat()}.xlsx"
    save_workbook(wb, path)
    return path


def _dropdown(ws, col: str, first: int, last: int, options: list[str], strict: bool = True,
              prompt: str = "请从下拉列表中选择") -> None:
    """A dropdown; ``strict`` refuses anything else, otherwise the list only suggests."""
    dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                        showErrorMessage=strict, errorTitle="输入有误", error="请从下拉列表中选择",
                        showInputMessage=True, promptTitle="填写说明", prompt=prompt)
    dv.add(f"{col}{first}:{col}{last}")
    ws.add_data_validation(dv)


def _serial(day: dt.date) -> str:
    """An Excel date serial (what a date validation's bounds are written as)."""
    return str((day - dt.date(1899, 12, 30)).days)


def _validate(ws, col: str, first: int, last: int, kind: str, operator: str, low: str, high: str | None,
              prompt: str, error: str) -> None:
    """A number or date validation with an input message saying the unit and the format."""
    dv = DataValidation(type=kind, operator=operator, formula1=low, formula2=high, allow_blank=True,
                        showErrorMessage=True, errorTitle="输入有误", error=error,
                        showInputMessage=True, promptTitle="填写说明", prompt=prompt)
    dv.add(f"{col}{first}:{col}{last}")
    ws.add_data_validation(dv)
