"""Validation: one hand-written fixture per rule code, and recall/precision on the sample year."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import duckdb
import openpyxl
import pandas as pd
import pytest

from alxa_lib import periods as cal
from alxa_lib.checks.validate import PeriodContext, check_report, period_findings, timeliness
from alxa_lib.rules import RULE_CN, RULES

P = dt.date(2025, 6, 28)
PLAN = pd.DataFrame([
    {"project_id": "A", "name": "甲项目", "department": "住建局", "class": "KC", "total_investment": 1000.0,
     "annual_planned": 500.0, "start_year": 2024, "end_year": 2026},
    {"project_id": "B", "name": "乙项目", "department": "住建局", "class": "KC", "total_investment": 2000.0,
     "annual_planned": 800.0, "start_year": 2025, "end_year": 2026},
    {"project_id": "M", "name": "丙前期", "department": "住建局", "class": "MP", "total_investment": 9000.0,
     "annual_planned": None, "start_year": 2025, "end_year": 2027},
])
COLS = {"project_id": "B", "name": "C", "status": "K", "start_date": "L", "expected_start": "M", "unstarted_reason": "N",
        "annual_completed": "I", "cumulative_completed": "J", "total_investment": "F", "annual_planned": "G",
        "years": "H", "progress_text": "O", "progress_pct": "P", "liaison": "R", "current_stage": "Q"}


def row(pid="A", **kw):
    base = {"row_no": 5 if pid == "A" else 6 if pid == "B" else 7, "project_id": pid, "name": "x", "class": None,
            "status": "已开工", "start_date": dt.date(2025, 4, 1), "expected_start": None, "unstarted_reason": None,
            "annual_completed": 100.0, "cumulative_completed": 400.0, "total_investment": None, "annual_planned": None,
            "start_year": None, "end_year": None, "progress_text": "施工中", "progress_pct": 30.0, "liaison": "赵磊",
            "current_stage": None, "raw": None}
    if pid == "B":
        base.update(status="未开工", start_date=None, expected_start=dt.date(2025, 8, 1), unstarted_reason="手续",
                    annual_completed=0.0, cumulative_completed=0.0, progress_text=None, progress_pct=None)
    if pid == "M":
        base.update(status=None, start_date=None, annual_completed=None, cumulative_completed=None,
                    progress_text=None, progress_pct=None, current_stage="可行性研究报告")
    base.update(kw)
    return base


def ctx(rows, **kw):
    args = dict(department="住建局", period=P, file={"signed": True, "sheet": "表", "signed_cell": "A2"}, rows=rows,
                plan=PLAN, liaison="赵磊", col_refs=COLS)
    args.update(kw)
    return PeriodContext(**args)


def codes(findings):
    return sorted((f["rule"], f["project_id"], f["field"], f["cell"]) for f in findings)


CLEAN = [row("A"), row("B"), row("M")]


def test_a_clean_report_has_no_findings():
    assert check_report(ctx(CLEAN)) == []


@pytest.mark.parametrize("change,expected", [
    ({"B": {"status": None}}, [("REQUIRED_MISSING", "B", "status", "K6")]),
    ({"A": {"cumulative_completed": None}}, [("REQUIRED_MISSING", "A", "cumulative_completed", "J5")]),
    ({"M": {"current_stage": None}}, [("REQUIRED_MISSING", "M", "current_stage", "Q7")]),
    ({"B": {"unstarted_reason": None}}, [("UNSTARTED_NO_REASON", "B", "unstarted_reason", "N6")]),
    ({"B": {"expected_start": None}}, [("UNSTARTED_NO_REASON", "B", "expected_start", "M6")]),
    ({"A": {"start_date": None}}, [("STARTED_NO_DATE", "A", "start_date", "L5")]),
    ({"A": {"progress_text": None, "progress_pct": None}}, [("NO_PROGRESS_TEXT", "A", "progress_text", "O5")]),
    ({"A": {"annual_completed": 500.0}}, [("CUMULATIVE_LT_ANNUAL", "A", "cumulative_completed", "J5")]),
    ({"A": {"cumulative_completed": 1000.5}}, [("CUMULATIVE_GT_TOTAL", "A", "cumulative_completed", "J5")]),
    ({"A": {"progress_pct": 120.0}}, [("PERCENT_OUT_OF_RANGE", "A", "progress_pct", "P5")]),
    ({"A": {"start_date": dt.date(2024, 4, 1)}}, [("DATE_OUT_OF_RANGE", "A", "start_date", "L5")]),
    ({"A": {"start_date": dt.date(2025, 7, 1)}}, [("DATE_OUT_OF_RANGE", "A", "start_date", "L5")]),
    ({"B": {"expected_start": dt.date(2024, 12, 1)}}, [("DATE_OUT_OF_RANGE", "B", "expected_start", "M6")]),
    ({"B": {"expected_start": dt.date(2026, 4, 1)}}, [("DATE_OUT_OF_RANGE", "B", "expected_start", "M6")]),
    ({"B": {"expected_start": dt.date(2025, 6, 20)}}, [("EXPECTED_START_PAST", "B", "expected_start", "M6")]),
    ({"B": {"expected_start": P}}, []),  # due today is not yet past
    ({"A": {"status": "停工", "start_date": dt.date(2024, 9, 1)}}, []),  # a 停工 row may carry last year's date
    ({"A": {"total_investment": 1100.0}}, [("LOCKED_INDICATOR_CHANGED", "A", "total_investment", "F5")]),
    ({"A": {"start_year": 2024, "end_year": 2027}}, [("LOCKED_INDICATOR_CHANGED", "A", "years", "H5")]),
    ({"A": {"total_investment": 1000.004, "start_year": 2024, "end_year": 2026}}, []),  # equal after rounding
])
def test_row_rules(change, expected):
    rows = [dict(r, **change.get(r["project_id"], {})) for r in CLEAN]
    assert codes(check_report(ctx(rows))) == sorted(expected)


def test_promise_moved_back():
    """§11.1: an unstarted project's expected start earlier than last period's is a finding; later is not."""
    earlier = codes(check_report(ctx(CLEAN, previous={"B": row("B", expected_start=dt.date(2025, 9, 1))})))
    assert earlier == [("EXPECTED_START_MOVED_BACK", "B", "expected_start", "M6")]
    assert check_report(ctx(CLEAN, previous={"B": row("B", expected_start=dt.date(2025, 7, 14))})) == []


def test_unparseable_cell_is_not_also_required_missing():
    rows = [row("A", annual_completed=None, raw=json.dumps({"annual_completed": "约500"})), row("B"), row("M")]
    assert check_report(ctx(rows)) == []  # UNPARSEABLE_VALUE comes from the reader


def test_cross_period_rules():
    previous = {"A": row("A", annual_completed=150.0, cumulative_completed=450.0), "B": row("B", status="已开工")}
    found = codes(check_report(ctx([row("A"), row("B"), row("M")], previous=previous)))
    assert found == [("INVESTMENT_DECREASED", "A", "annual_completed", "I5"),
                     ("INVESTMENT_DECREASED", "A", "cumulative_completed", "J5"),
                     ("STATUS_REGRESSED", "B", "status", "K6")]
    # 停工 ↔ 已开工 is not a regression; 已完工 followed by anything else is
    assert check_report(ctx(CLEAN, previous={"A": row("A", status="停工")})) == []
    assert codes(check_report(ctx([row("A", status="已开工")], previous={"A": row("A", status="已完工")},
                                  plan=PLAN[PLAN.project_id == "A"]))) == [("STATUS_REGRESSED", "A", "status", "K5")]


def test_completed_and_missing_projects():
    found = check_report(ctx([row("A", status="已完工"), row("M")], completed_before={"A": dt.date(2025, 6, 14)}))
    assert codes(found) == [("COMPLETED_STILL_REPORTED", "A", "status", "K5"), ("PROJECT_MISSING", "B", None, None)]
    # a project completed earlier and absent is not missing
    assert codes(check_report(ctx([row("B"), row("M")], completed_before={"A": dt.date(2025, 6, 14)}))) == []


def test_signature_and_liaison():
    found = check_report(ctx([row("A", liaison="钱七"), row("B"), row("M")], file={"signed": False, "sheet": "表",
                                                                                  "signed_cell": "A2"}))
    assert codes(found) == [("LIAISON_CHANGED", None, "liaison", "R5"), ("NOT_SIGNED", None, "signed", "A2")]


def test_modified_after_submission_skips_corrections():
    changes = pd.DataFrame([
        {"project_id": "A", "field": "annual_completed", "previous": 90.0, "value": 100.0, "cell": "I5", "previous_file_id": 1},
        {"project_id": "A", "field": "progress_text", "previous": "旧", "value": "施工中", "cell": "O5", "previous_file_id": 1},
    ])
    found = check_report(ctx(CLEAN, previous_version_changes=changes, previous_version_error_cells={"I5"}))
    assert codes(found) == [("MODIFIED_AFTER_SUBMISSION", "A", "progress_text", "O5")]


def test_timeliness():
    files = pd.DataFrame([
        {"department": "住建局", "version": 1, "file_id": 1, "received": dt.date(2025, 6, 28)},
        {"department": "水务局", "version": 1, "file_id": 2, "received": dt.date(2025, 7, 3)},
        {"department": "水务局", "version": 2, "file_id": 3, "received": dt.date(2025, 6, 20)},
        {"department": "农牧局", "version": 1, "file_id": 4, "received": dt.date(2025, 7, 15)},
    ])
    got = sorted((f["rule"], f["department"]) for f in timeliness(files, ["住建局", "水务局", "农牧局", "教育局"], P))
    assert got == [("LATE_REPORT", "水务局"), ("MISSING_REPORT", "农牧局"), ("MISSING_REPORT", "教育局")]


def test_every_domain_code_has_a_severity_and_message():
    domain = ["UNPARSEABLE_VALUE", "REQUIRED_MISSING", "UNSTARTED_NO_REASON", "STARTED_NO_DATE", "NO_PROGRESS_TEXT",
              "CUMULATIVE_LT_ANNUAL", "CUMULATIVE_GT_TOTAL", "PERCENT_OUT_OF_RANGE", "DATE_OUT_OF_RANGE",
              "TOTAL_ROW_MISMATCH", "INVESTMENT_DECREASED", "STATUS_REGRESSED", "COMPLETED_STILL_REPORTED",
              "LOCKED_INDICATOR_CHANGED", "PROJECT_MISSING", "PROJECT_UNKNOWN", "NAME_MATCHED",
              "MODIFIED_AFTER_SUBMISSION", "LATE_REPORT", "MISSING_REPORT", "START_REPORT_LATE", "NOT_SIGNED",
              "LIAISON_CHANGED", "SCHEDULE_LATE", "CALIBRATION_OUTSIDE_WINDOW"]
    severities = {"NO_PROGRESS_TEXT": "warning", "TOTAL_ROW_MISMATCH": "warning", "COMPLETED_STILL_REPORTED": "warning",
                  "MODIFIED_AFTER_SUBMISSION": "warning", "LATE_REPORT": "warning", "START_REPORT_LATE": "warning",
                  "NOT_SIGNED": "warning", "SCHEDULE_LATE": "warning", "CALIBRATION_OUTSIDE_WINDOW": "warning",
                  "NAME_MATCHED": "info", "LIAISON_CHANGED": "info"}
    for code in domain:
        assert RULES[code].severity == severities.get(code, "error"), code


# ---------------------------------------------------------------- the sample year
def _key(d):
    return (d["rule"], d["department"], d["project_id"] or None, d["field"] or None, d["cell"] or None)


def test_sample_year_recall_and_precision(ledger_db, truth):
    db, _ = ledger_db
    con = duckdb.connect(str(db), read_only=True)
    # the fixture validated every period once (validate_year) and stored the findings; read them back
    found = pd.concat([period_findings(con, p) for p in cal.periods(2025)])
    found = found.astype(object).where(found.notna(), None).to_dict("records")
    got = {_key(f): f for f in found if f["rule"] != "EXTRA_COLUMN"}
    expected = {_key(d): d for d in truth["defects"]}
    assert set(expected) - set(got) == set()  # recall 100 %
    noise = {k for k, f in got.items() if k not in expected and f["severity"] != "info"}
    assert noise == set()  # precision 100 % on errors and warnings
    for k, d in expected.items():  # and each in its own period where it has one
        if d["period"]:
            assert got[k]["period"] == d["period"], k


def test_cli_validate_json_and_return_lists(ledger_db, tmp_path):
    import shutil
    db, _ = ledger_db
    copy = tmp_path / "v.duckdb"
    shutil.copy(db, copy)
    out = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "validate", "--period", "2025-06-28", "--db", str(copy),
                          "--json", "--xlsx", str(tmp_path / "ret")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert records and all(set(r) == {"rule", "severity", "department", "period", "project_id", "field", "sheet", "cell",
                                      "message"} for r in records)
    assert any(r["rule"] == "STARTED_NO_DATE" for r in records)
    strict = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "validate", "--period", "2025-06-28", "--db",
                             str(copy), "--strict"], capture_output=True, text=True)
    assert strict.returncode == 1
    dept = next(r["department"] for r in records if r["rule"] == "STARTED_NO_DATE")
    wb = openpyxl.load_workbook(tmp_path / "ret" / f"退回修改清单_{dept}_2025-06-28.xlsx")
    cells = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert any(RULE_CN["STARTED_NO_DATE"] == c.value for c in cells)  # the rule's Chinese name, never its code
    assert not any(c.value == "STARTED_NO_DATE" for c in cells)
    assert all(c.data_type != "f" for c in cells)
    assert (tmp_path / "ret" / "校验汇总_2025-06-28.xlsx").exists()
    stored = duckdb.connect(str(copy), read_only=True).execute(
        "SELECT count(*) FROM findings WHERE stage='validate' AND period = DATE '2025-06-28'").fetchone()[0]
    assert stored >= len(records)


def test_department_text_never_becomes_a_formula(tmp_path):
    from alxa_lib.checks.returns import write_return_lists
    con = duckdb.connect()
    con.execute("CREATE TABLE report_rows (file_id BIGINT, project_id VARCHAR, raw VARCHAR, problems VARCHAR)")
    findings = pd.DataFrame([{"file_id": None, "rule": "REQUIRED_MISSING", "severity": "error", "department": "住建局",
                              "period": "2025-06-28", "project_id": "A", "field": "status", "sheet": "表", "cell": "K5",
                              "message": "=HYPERLINK(\"http://x\")"}])
    write_return_lists(con, findings, P, tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "退回修改清单_住建局_2025-06-28.xlsx").active
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=HYPER"))
    assert cell.data_type == "s"


def test_stored_findings_stay_fresh_until_a_file_that_matters_arrives(ledger_db, sample_dir, tmp_path):
    """A new version of a December report makes December's findings stale and leaves earlier periods
    fresh; a new plan makes every period stale; validate --year then recomputes only the stale ones."""
    import shutil

    from alxa_lib import ledger
    from alxa_lib.checks.validate import validate_year
    from alxa_lib.ledger import queries
    from alxa_lib.ledger.ingest import ingest
    db = tmp_path / "fresh.duckdb"
    shutil.copy(ledger_db[0], db)
    dec = next((sample_dir / "reports" / "2025-12-28").glob("*.xlsx"))
    changed = tmp_path / "2025-12-28" / dec.name
    changed.parent.mkdir()
    wb = openpyxl.load_workbook(dec)
    wb.active.cell(wb.active.max_row + 2, 1).value = "注：更正版"  # a note below the table: a new version
    wb.save(changed)
    assert [o.status for o in ingest([changed], db, progress=False)] == ["new_version"]
    con = ledger.connect(db)
    fresh = {p: queries.stored_findings(con, p) is not None for p in cal.periods(2025)}
    assert fresh[dt.date(2025, 12, 28)] is False
    assert all(fresh[p] for p in cal.periods(2025) if p < dt.date(2025, 12, 28))
    validate_year(con, 2025)
    assert all(queries.stored_findings(con, p) is not None for p in cal.periods(2025))
    con.close()
    plan = next((sample_dir / "plan").glob("*.xlsx"))
    new_plan = tmp_path / "plan" / plan.name
    new_plan.parent.mkdir()
    wb = openpyxl.load_workbook(plan)
    wb.active.cell(wb.active.max_row + 2, 1).value = "注：重新印发"
    wb.save(new_plan)
    assert [o.status for o in ingest([new_plan], db, progress=False)] == ["new_version"]
    con = ledger.connect(db, read_only=True)
    assert not any(queries.stored_findings(con, p) is not None for p in cal.periods(2025))
    con.close()


def test_every_rule_has_a_chinese_name_for_return_lists():
    import re
    assert set(RULE_CN) == set(RULES)
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）、]+", name) for name in RULE_CN.values())
