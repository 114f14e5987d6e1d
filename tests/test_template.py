"""Templates: one per department, locked indicators, dropdowns, and an exact round trip."""
from __future__ import annotations

import datetime as dt

import openpyxl

from alxa_lib.workbooks.reader import read_workbook
from alxa_lib.workbooks.template import write_templates
from alxa_lib.workbooks.xlsx_write import put


def test_template_round_trip(sample_dir, truth, tmp_path):
    registers = next((sample_dir / "registers").glob("*.xlsx"))
    paths = write_templates(sample_dir / truth["plan_file"], dt.date(2025, 7, 14), tmp_path, registers)
    assert len(paths) == 22
    path = next(p for p in paths if p.name.startswith("住建局_"))
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.protection.sheet is True
    assert ws.page_setup.orientation == "landscape" and ws.freeze_panes
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("已开工" in f for f in lists) and any("已办结" in f for f in lists)
    header = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(4, c).value}
    header.update({ws.cell(3, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(3, c).value})
    assert ws.cell(5, header["项目编号"]).protection.locked is True
    assert ws.cell(5, header["本年完成投资"]).protection.locked is False
    filled = {}
    for i, r in enumerate(range(5, ws.max_row + 1)):
        pid = ws.cell(r, header["项目编号"]).value
        if not pid or ws.cell(r, header["项目类别"]).value != "重点建设项目":
            continue
        vals = (float(100 + i), float(1000 + i), "已开工", dt.date(2025, 5, 1 + i))
        ws.cell(r, header["本年完成投资"]).value = vals[0]
        ws.cell(r, header["累计完成投资"]).value = vals[1]
        ws.cell(r, header["开复工状态"]).value = vals[2]
        ws.cell(r, header["开（复）工日期"]).value = vals[3]
        put(ws.cell(r, header["形象进度"]), "=1+1 不是公式")  # department text stays text
        filled[pid] = vals
    wb.save(path)
    res = read_workbook(path)
    assert res.department == "住建局" and res.period == dt.date(2025, 7, 14)
    rows = {r["project_id"]: r for r in res.frames["report_rows"].to_dict("records")}
    plan = {pid: p for pid, p in truth["projects"].items() if p["department"] == "住建局"}
    expected = {pid for pid, p in plan.items() if not p["adjusted_in"]}
    for a in truth["adjustments"]:  # the June replacement is in force on 07-14
        if a["adj_type"] == "替换" and a["project_id"] in expected:
            expected = (expected - {a["project_id"]}) | {a["replacement_id"]}
    assert set(rows) == expected
    for pid, (annual, cum, status, start) in filled.items():
        r = rows[pid]
        assert (r["annual_completed"], r["cumulative_completed"], r["status"], r["start_date"]) == (annual, cum, status, start)
        assert r["progress_text"] == "=1+1 不是公式"
    assert res.findings == []


def test_template_validates_numbers_dates_and_reasons(sample_dir, truth, tmp_path):
    """Investment ≥ 0 (万元), 0–100 for the percentage, dates within the year, a reason list, input messages."""
    paths = write_templates(sample_dir / truth["plan_file"], dt.date(2025, 6, 28), tmp_path)
    ws = openpyxl.load_workbook(next(p for p in paths if p.name.startswith("住建局_"))).active
    header = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(4, c).value}
    header.update({ws.cell(3, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(3, c).value})
    col = {name: openpyxl.utils.get_column_letter(c) for name, c in header.items()}

    def rule_for(name):
        found = [dv for dv in ws.data_validations.dataValidation if f"{col[name]}5" in dv.sqref]
        assert len(found) == 1, name
        return found[0]
    for name in ("本年完成投资", "累计完成投资"):
        dv = rule_for(name)
        assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0") and dv.showErrorMessage
        assert "万元" in dv.prompt
    pct = rule_for("形象进度占比（%）")
    assert (pct.type, pct.formula1, pct.formula2) == ("decimal", "0", "100")
    base = dt.date(1899, 12, 30)
    for name in ("开（复）工日期", "预计开（复）工日期"):
        dv = rule_for(name)
        assert dv.type == "date" and dv.operator == "between"
        assert base + dt.timedelta(days=int(dv.formula1)) == dt.date(2025, 1, 1)
        assert base + dt.timedelta(days=int(dv.formula2)) == dt.date(2025, 12, 31)
        assert "2025-05-01" in dv.prompt
    reason = rule_for("未开（复）工原因")
    assert reason.type == "list" and "资金未到位" in reason.formula1 and not reason.showErrorMessage
