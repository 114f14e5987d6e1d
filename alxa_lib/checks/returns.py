"""Return lists (退回修改清单) per department and the DRC summary, as xlsx. Text is written as text."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from alxa_lib.ledger import queries
from alxa_lib.rules import RULES, SEVERITY_CN, rule_cn
from alxa_lib.vocab import field_cn
from alxa_lib.workbooks.xlsx_write import Column, TableSpec, finish_sheet, new_workbook, save_workbook, write_table

# One row per problem, in Chinese only: the rule's name (never its code), the field as the template's header,
# and the cell the department must fix.
COLUMNS = [("department", "单位"), ("severity", "级别"), ("rule", "问题类型"), ("project_id", "项目编号"),
           ("field", "栏目"), ("sheet", "工作表"), ("cell", "单元格"), ("value", "填报值"), ("message", "问题说明"),
           ("fix", "修改要求")]


def _value_seen(con, f: dict) -> str | None:
    """The value the department wrote in the finding's cell, from the ledger's raw or typed row."""
    if not f.get("file_id") or not f.get("project_id") or not f.get("field"):
        return None
    r = queries.report_row(con, int(f["file_id"]), f["project_id"])
    if r is None:
        return None
    raw = json.loads(r["raw"]) if r.get("raw") else {}
    if f["field"] in raw:
        return raw[f["field"]]
    v = r.get(f["field"])
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _table(con, findings: pd.DataFrame) -> list[list]:
    rows = []
    for f in findings.to_dict("records"):
        f = {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in f.items()}
        vals = {**f, "severity": SEVERITY_CN.get(f["severity"], f["severity"]), "value": _value_seen(con, f),
                "rule": rule_cn(f["rule"]), "field": field_cn(f.get("field")),
                "fix": RULES[f["rule"]].fix if f["rule"] in RULES else ""}
        rows.append([vals.get(k) for k, _ in COLUMNS])
    return rows


def write_return_lists(con, findings: pd.DataFrame, period: dt.date, out_dir: Path | str) -> list[Path]:
    """One ``退回修改清单_<部门>_<period>.xlsx`` per department with findings, and ``校验汇总_<period>.xlsx``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cols = [Column(k, label) for k, label in COLUMNS]
    paths = []
    order = {"error": 0, "warning": 1, "info": 2}
    findings = findings.assign(_o=findings["severity"].map(order)).sort_values(["department", "_o", "cell"],
                                                                                 na_position="last")
    for dept, mine in findings.groupby("department", sort=True):
        wb = new_workbook()
        ws = wb.active
        ws.title = "退回修改清单"
        place = write_table(ws, TableSpec(title_lines=[f"{dept} 重点建设项目表退回修改清单（{period.isoformat()}期）",
                                                       "请按“修改要求”更正后，经主要领导签字重新报送。"],
                                          columns=cols, rows=_table(con, mine), two_row_header=False))
        finish_sheet(ws, place.header_row, place.header_row + 1, len(cols))
        p = out / f"退回修改清单_{dept}_{period.isoformat()}.xlsx"
        save_workbook(wb, p)
        paths.append(p)
    wb = new_workbook()
    ws = wb.active
    ws.title = "汇总"
    summary = findings.pivot_table(index="department", columns="severity", values="rule", aggfunc="count",
                                   fill_value=0).reset_index()
    scols = [Column("department", "单位")] + [Column(s, SEVERITY_CN[s]) for s in ("error", "warning", "info")]
    place = write_table(ws, TableSpec(title_lines=[f"校验汇总（{period.isoformat()}期）"], columns=scols,
                                      rows=[[int(r.get(c.field, 0)) if c.field != "department" else r[c.field]
                                             for c in scols] for r in summary.to_dict("records")],
                                      two_row_header=False))
    for row in ws.iter_rows(min_row=place.header_row + 1, min_col=2):
        for cell in row:
            cell.number_format = "0"
    finish_sheet(ws, place.header_row, place.header_row + 1, len(scols))
    ws2 = wb.create_sheet("全部问题")
    place = write_table(ws2, TableSpec(title_lines=[f"全部校验问题（{period.isoformat()}期）"], columns=cols,
                                       rows=_table(con, findings), two_row_header=False))
    finish_sheet(ws2, place.header_row, place.header_row + 1, len(cols))
    p = out / f"校验汇总_{period.isoformat()}.xlsx"
    save_workbook(wb, p)
    paths.append(p)
    return paths
