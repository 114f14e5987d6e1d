"""Messy content that used to give a silently wrong number (issue "Hardening"): hidden sheets, two report
sheets, duplicate 项目编号, title dates of another year, ∞/NaN/error cells, approximate dates, odd spaces."""
from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
from helpers import report_row, write_report
from openpyxl import load_workbook

from alxa_lib.ledger.ingest import ingest
from alxa_lib.workbooks.reader import read_workbook


def rows_of(res):
    return res.frames["report_rows"].to_dict("records")


def rules_of(res):
    return [(f["rule"], f["cell"]) for f in res.findings]


def test_hidden_sheet_with_last_periods_table_is_never_the_report(tmp_path):
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [report_row(annual=100)])
    wb = load_workbook(p)
    old = wb.copy_worksheet(wb.active)
    old.title = "上期"
    old["I5"] = 55  # last period's figure
    wb.move_sheet(old, offset=-1)  # the hidden copy comes first
    old.sheet_state = "hidden"
    wb.save(p)
    res = read_workbook(p)
    assert res.meta["sheet"] == "重点建设项目表"
    assert rows_of(res)[0]["annual_completed"] == 100
    assert "TWO_REPORT_SHEETS" not in [r for r, _ in rules_of(res)]
    old.sheet_state = "veryHidden"
    wb.save(p)
    assert read_workbook(p).meta["sheet"] == "重点建设项目表"


def test_two_visible_report_sheets_store_the_best_and_say_so(tmp_path):
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [report_row()])
    wb = load_workbook(p)
    copy = wb.copy_worksheet(wb.active)
    copy.title = "副本"
    wb.save(p)
    res = read_workbook(p)
    (f,) = [f for f in res.findings if f["rule"] == "TWO_REPORT_SHEETS"]
    assert res.meta["sheet"] == "重点建设项目表" and "重点建设项目表" in f["message"] and "副本" in f["message"]
    assert f["severity"] == "warning"


def test_unusable_cells_are_findings_with_their_raw_text(tmp_path):
    """Error cells, NaN, ∞, negative or absurd money: each a finding in any field; never stored as a number."""
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [
        report_row(pid="2025-ZD-001", annual="inf", cumulative=-300, pct="nan"),
        report_row(pid="2025-ZD-002", annual=1e12, total="#REF!", text="x")])
    wb = load_workbook(p)
    ws = wb.active
    ws["J6"].value, ws["J6"].data_type = "#DIV/0!", "e"  # a required field holding an Excel error
    ws["R5"].value, ws["R5"].data_type = "#N/A", "e"  # an optional text field (联络员)
    wb.save(p)
    res = read_workbook(p)
    got = {f["cell"]: f["message"] for f in res.findings if f["rule"] == "UNPARSEABLE_VALUE"}
    assert set(got) == {"I5", "J5", "P5", "I6", "J6", "F6", "R5"}, got
    assert "#DIV/0!" in got["J6"] and "#N/A" in got["R5"] and "inf" in got["I5"]
    rows = rows_of(res)
    for r in rows:
        for k in ("annual_completed", "cumulative_completed", "progress_pct", "total_investment"):
            assert r[k] is None or (isinstance(r[k], float) and math.isfinite(r[k]) and r[k] >= 0), (k, r[k])
    assert rows[1]["_raw_cumulative_completed"] == "错误值#DIV/0!"
    assert rows[0]["_raw_liaison"] == "错误值#N/A"


def test_error_cell_in_a_required_field_is_not_called_empty(tmp_path):
    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_period
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [report_row()])
    wb = load_workbook(p)
    wb.active["J5"].value, wb.active["J5"].data_type = "#DIV/0!", "e"
    wb.save(p)
    db = tmp_path / "l.duckdb"
    ingest([p], db, progress=False)
    con = ledger.connect(db)
    found = validate_period(con, dt.date(2025, 6, 28))
    con.close()
    mine = found[found["cell"] == "J5"]
    assert list(mine["rule"]) == ["UNPARSEABLE_VALUE"]  # not REQUIRED_MISSING "为空"


def test_approximate_dates_are_marked_and_said(tmp_path):
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [
        report_row(pid="2025-ZD-001", status="未开工", start=None, expected="2025.6", reason="手续"),
        report_row(pid="2025-ZD-002", status="未开工", start=None, expected="7月下旬", reason="手续"),
        report_row(pid="2025-ZD-003", start=dt.date(2025, 4, 1))])
    wb = load_workbook(p)
    wb.active["M5"] = 2025.6  # typed as a number
    wb.save(p)
    res = read_workbook(p)
    approx = [(f["cell"], f["severity"]) for f in res.findings if f["rule"] == "APPROXIMATE_DATE"]
    assert approx == [("M5", "info"), ("M6", "info")]
    rows = rows_of(res)
    assert rows[0]["expected_start"] == dt.date(2025, 6, 1) and rows[1]["expected_start"] == dt.date(2025, 7, 21)
    db = tmp_path / "l.duckdb"
    ingest([p], db, progress=False)
    con = duckdb.connect(str(db), read_only=True)
    marks = con.execute("SELECT project_id, approx FROM report_rows ORDER BY row_no").fetchall()
    con.close()
    assert [(pid, json.loads(a) if a else None) for pid, a in marks] == [
        ("2025-ZD-001", {"expected_start": "2025.6"}), ("2025-ZD-002", {"expected_start": "7月下旬"}),
        ("2025-ZD-003", None)]


def test_duplicate_project_id_is_an_error_and_neither_row_counts(tmp_path):
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [
        report_row(pid="2025-ZD-001", annual=100), report_row(pid="2025-ZD-002", annual=7),
        report_row(pid="2025-ZD-001", annual=900)])
    db = tmp_path / "l.duckdb"
    (o,) = ingest([p], db, progress=False)
    assert o.status == "ingested"
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT row_no, project_id, matched_by, annual_completed FROM report_rows ORDER BY row_no").fetchall()
    found = con.execute("SELECT rule, severity, project_id, cell, message FROM findings WHERE rule='DUPLICATE_PROJECT'"
                        ).fetchall()
    con.close()
    assert rows == [(5, None, "duplicate", 100.0), (6, "2025-ZD-002", "id", 7.0), (7, None, "duplicate", 900.0)]
    assert [(r, s, pid, cell) for r, s, pid, cell, _ in found] == [("DUPLICATE_PROJECT", "error", "2025-ZD-001", "B7")]
    assert "5、7" in found[0][4]


def test_title_date_of_another_year_is_said(tmp_path):
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [report_row()],
                     title="阿拉善左旗重点建设项目进展情况表（截至2024年6月28日）")
    res = read_workbook(p)
    assert res.period == dt.date(2025, 6, 28)
    (f,) = [f for f in res.findings if f["rule"] == "PERIOD_MISMATCH"]
    assert "2024-06-28" in f["message"] and "2025-06-28" in f["message"]
    ok = write_report(tmp_path / "2025-06-14" / "住建局.xlsx", [report_row()],
                      title="阿拉善左旗重点建设项目进展情况表（截至2025年6月14日）",
                      meta="填报单位：住建局  主要领导签字：是  填报日期：2025年6月13日")
    assert not [f for f in read_workbook(ok).findings if f["rule"] == "PERIOD_MISMATCH"]


def test_a_year_without_a_plan_is_stored_and_flagged(tmp_path, sample_dir):
    """In a folder without a date, 截至2024 makes a 2024 report: with only a 2025 plan, it is stored (nothing
    lost: its plan may come later) and flagged; the 2024 figures refuse until the plan is in."""
    db = tmp_path / "l.duckdb"
    plan = next((sample_dir / "plan").glob("*.xlsx"))
    assert ingest([plan], db, progress=False)[0].status == "ingested"
    p = write_report(tmp_path / "misc" / "住建局.xlsx", [report_row()],
                     title="阿拉善左旗重点建设项目进展情况表（截至2024年6月28日）")
    (o,) = ingest([p], db, progress=False)
    assert o.status == "ingested" and "2024年计划未入库" in o.note and " / " in o.note


def test_department_with_odd_spaces_is_recognised(tmp_path):
    for space in ("\u00a0", "\u3000", " "):
        p = write_report(tmp_path / "2025-06-28" / f"报表{ord(space)}.xlsx", [report_row(pid=f"2025-ZD{space}-001")],
                         meta=f"填报单位：住{space}建局（盖章）  主要领导签字：是  填报日期：2025年6月27日")
        res = read_workbook(p)
        assert res.department == "住建局"
        assert rows_of(res)[0]["project_id"] == "2025-ZD-001"


def test_metrics_json_never_prints_infinity(tmp_path, sample_dir, capsys):
    """`inf` in a report never reaches the ledger, so `alxa metrics --json` stays JSON."""
    from alxa_lib import cli
    db = tmp_path / "l.duckdb"
    plan = next((sample_dir / "plan").glob("*.xlsx"))
    ingest([plan], db, progress=False)
    p = write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [report_row(annual="inf", cumulative="Infinity")])
    ingest([p], db, progress=False)
    assert cli.main(["metrics", "--as-of", "2025-06-28", "--db", str(db), "--json"]) == 0
    out = capsys.readouterr().out
    assert "Infinity" not in out and "NaN" not in out
    json.loads(out)


def test_correction_of_a_validation_error_is_not_flagged_on_first_validation(tmp_path):
    """§10.19: the previous version's validation errors found in the same run exempt their cells."""
    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_period
    folder = tmp_path / "2025-06-28"
    write_report(folder / "住建局.xlsx", [report_row(annual=100, cumulative=50)])  # CUMULATIVE_LT_ANNUAL at J5
    write_report(folder / "住建局_更正.xlsx", [report_row(annual=100, cumulative=150, text="主体完工")])
    (folder / "_received.csv").write_text("file,received\n住建局.xlsx,2025-06-27\n住建局_更正.xlsx,2025-06-28\n",
                                          encoding="utf-8")
    db = tmp_path / "l.duckdb"
    assert [o.version for o in ingest([folder], db, progress=False)] == [1, 2]
    con = ledger.connect(db)
    found = validate_period(con, dt.date(2025, 6, 28))  # never validated before
    con.close()
    modified = found[found["rule"] == "MODIFIED_AFTER_SUBMISSION"]
    assert sorted(modified["field"]) == ["progress_text"]  # J5 was a correction, O5 a modification
    assert "CUMULATIVE_LT_ANNUAL" in set(found["rule"])
