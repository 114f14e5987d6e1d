"""What a file is and what its numbers mean (issue: real offices' files): registers only from the DRC, a damaged
ledger never written, amounts checked against the project itself, 合计 rows, two-digit years, merged cells."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alxa_lib.ledger.ingest import ingest
from alxa_lib.workbooks.reader import RejectedFile, read_workbook
from tests.helpers import bilingual

REPORT = "reports/2025-06-28/住建局.xlsx"


def _registers_file(sample_dir: Path) -> Path:
    return next((sample_dir / "registers").glob("*.xlsx"))


_SMALL: dict[Path, Path] = {}


def _small_ledger(sample_dir: Path, tmp_path: Path) -> Path:
    """The plan and the DRC's registers of the sample, nothing else: built once per process, then copied."""
    if sample_dir not in _SMALL:
        folder = tmp_path.parent / "small-ledger"
        got = ingest([sample_dir / "plan", sample_dir / "registers"], folder / "alxa.duckdb", progress=False)
        assert [o.status for o in got] == ["ingested", "ingested"]
        _SMALL[sample_dir] = folder
    shutil.copytree(_SMALL[sample_dir], tmp_path / "ledger")
    return tmp_path / "ledger" / "alxa.duckdb"


def _registers_state(db: Path) -> tuple:
    """The registers in force: the latest registers file and every register's rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        fid = con.execute("SELECT max(file_id) FROM files WHERE kind='registers'").fetchone()[0]
        rows = tuple(con.execute(f"SELECT count(*) FROM {t} WHERE file_id = ?", [fid]).fetchone()[0]
                     for t in ("reg_adjustments", "reg_decisions", "reg_problems", "reg_bonuses", "reg_incidents",
                               "reg_liaisons"))
        contacts = con.execute("SELECT unit, name, phone FROM reg_liaisons WHERE file_id = ? ORDER BY row_no",
                               [fid]).fetchall()
    finally:
        con.close()
    return fid, rows, contacts


def _with_register_sheets(sample_dir: Path, dst: Path, copied: bool) -> Path:
    """The sample's 住建局 report with two more sheets named 问题清单 and 信息联络员: copies of the DRC's
    (``copied``) or the department's own lists."""
    wb = openpyxl.load_workbook(sample_dir / REPORT)
    reg = openpyxl.load_workbook(_registers_file(sample_dir))
    for name in ("问题清单", "信息联络员"):
        ws = wb.create_sheet(name)
        if copied:
            for row in reg[name].iter_rows(values_only=True):
                ws.append(list(row))
        else:
            ws.append(["序号", "问题", "联系人"])
            ws.append([1, "用地未批", "赵磊"])
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _problem_list(sample_dir: Path, dst: Path) -> Path:
    """A department's own one-sheet 问题清单 in the DRC's register layout (the full header set)."""
    reg = openpyxl.load_workbook(_registers_file(sample_dir))
    headers = next(reg["问题清单"].iter_rows(min_row=2, max_row=2, values_only=True))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["住建局问题清单"])
    ws.append(list(headers))
    ws.append(["ZJ-1", "2025-ZD-001", "土地", "用地未批", "住建局", "2025-05-01", "2025-06-01", None])
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


# ---------------------------------------------------------------- 1. the kind of a file: content and sender


@pytest.mark.parametrize("copied", [True, False])
def test_report_with_register_sheets_is_the_report(sample_dir, tmp_path, copied):
    """住建局.xlsx with two extra sheets named 问题清单 and 信息联络员 is 住建局's report (the extra sheets named
    in a finding); the registers and every liaison contact stay as the DRC stored them."""
    db = _small_ledger(sample_dir, tmp_path)
    before = _registers_state(db)
    case = _with_register_sheets(sample_dir, tmp_path / "inbox" / "2025-06-28" / "住建局.xlsx", copied)
    (o,) = ingest([case], db, progress=False)
    assert (o.status, o.kind, o.department, o.period) == ("ingested", "report", "住建局", "2025-06-28")
    assert o.rows == 11
    assert _registers_state(db) == before
    con = duckdb.connect(str(db), read_only=True)
    extra = con.execute("SELECT sheet, message FROM findings WHERE rule='EXTRA_SHEET' ORDER BY sheet").fetchall()
    con.close()
    assert [s for s, _ in extra] == sorted(["问题清单", "信息联络员"])
    assert all("已忽略" in m for _, m in extra)


@pytest.mark.parametrize("where", ["folder", "period_folder"])
def test_department_problem_list_never_becomes_the_registers(sample_dir, tmp_path, where):
    """A department's one-sheet 住建局问题清单.xlsx in the register layout is refused naming why it is a
    department's file; the registers (and so the plan in force and the scores) do not move."""
    db = _small_ledger(sample_dir, tmp_path)
    before = _registers_state(db)
    folder = tmp_path / "inbox" / ("2025-06-28" if where == "period_folder" else "住建局")
    (o,) = ingest([_problem_list(sample_dir, folder / "住建局问题清单.xlsx")], db, progress=False)
    assert (o.status, o.reason) == ("rejected", "registers_sender")
    assert bilingual(o.error, cn="发改委", en="DRC")
    assert ("2025-06-28" if where == "period_folder" else "住建局") in o.error
    assert _registers_state(db) == before


def test_a_sheet_named_like_a_register_is_not_a_register(sample_dir, tmp_path):
    """A one-sheet workbook named 问题清单 in the department's own layout used to be registers version 2 with 0
    rows (every problem and adjustment gone, the scores moved); it is no table of any kind now."""
    db = _small_ledger(sample_dir, tmp_path)
    before = _registers_state(db)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "问题清单"
    for row in (["序号", "项目名称", "存在问题", "责任人"], [1, "吉兰泰镇老旧小区改造项目", "用地未批", "张三"]):
        ws.append(row)
    p = tmp_path / "清单" / "问题清单.xlsx"
    p.parent.mkdir()
    wb.save(p)
    (o,) = ingest([p], db, progress=False)
    assert (o.status, o.reason) == ("rejected", "no_table")
    assert _registers_state(db) == before


def test_registers_named_for_a_department_in_their_title_are_refused(sample_dir, tmp_path):
    """The register layout sent with 填报单位：住建局 above the table is a department's file, whatever its name."""
    p = _problem_list(sample_dir, tmp_path / "x" / "清单.xlsx")
    wb = openpyxl.load_workbook(p)
    wb.active["A1"] = "填报单位：住建局（盖章）"
    wb.save(p)
    with pytest.raises(RejectedFile) as exc:
        read_workbook(p)
    assert exc.value.reason == "registers_sender" and "住建局" in str(exc.value)


def test_the_drcs_registers_under_their_own_name_are_still_registers(sample_dir, tmp_path):
    """The DRC's own file, also when its name says 发改委 (the commission in params), is read as the registers."""
    p = tmp_path / "登记簿" / "发改委2025年登记簿.xlsx"
    p.parent.mkdir()
    shutil.copyfile(_registers_file(sample_dir), p)
    res = read_workbook(p)
    assert res.kind == "registers"
    assert len(res.frames["liaisons"]) > 0 and len(res.frames["problems"]) > 0


def test_plan_and_registers_in_one_workbook_is_refused_naming_both(sample_dir, tmp_path):
    """A workbook that could be the plan or the registers is refused with a reason naming both, never guessed."""
    wb = openpyxl.load_workbook(sample_dir / "plan" / "2025年重点建设项目计划.xlsx")
    reg = openpyxl.load_workbook(_registers_file(sample_dir))
    ws = wb.create_sheet("问题清单")
    for row in reg["问题清单"].iter_rows(values_only=True):
        ws.append(list(row))
    p = tmp_path / "计划和登记簿.xlsx"
    wb.save(p)
    with pytest.raises(RejectedFile) as exc:
        read_workbook(p)
    assert exc.value.reason == "ambiguous_kind"
    assert bilingual(str(exc.value), cn="年度计划", en="plan") and bilingual(str(exc.value), cn="登记簿", en="registers")


def test_a_registers_version_that_drops_rows_needs_replace_registers(sample_dir, tmp_path):
    """A new registers version without its 信息联络员 sheet would drop every contact: refused, the stored
    registers kept; stored only with --replace-registers."""
    db = _small_ledger(sample_dir, tmp_path)
    before = _registers_state(db)
    wb = openpyxl.load_workbook(_registers_file(sample_dir))
    del wb["信息联络员"]
    p = tmp_path / "登记簿" / "登记簿（新）.xlsx"
    p.parent.mkdir()
    wb.save(p)
    (o,) = ingest([p], db, progress=False)
    assert (o.status, o.reason) == ("rejected", "registers_shrink")
    assert bilingual(o.error, cn="信息联络员", en="--replace-registers")
    assert _registers_state(db) == before
    (o,) = ingest([p], db, progress=False, replace_registers=True)
    assert o.status == "new_version"
    after = _registers_state(db)
    assert after[0] != before[0] and after[1][5] == 0 and after[1][:5] == before[1][:5]


def test_no_file_but_the_drcs_registers_changes_the_registers(sample_dir, tmp_path):
    """Every other file of the sample (plan, schedules, start reports, a period's reports) and the crafted
    department files above, ingested after the registers, leave the registers as they were; the DRC's own
    registers, edited (one more problem), are a new version."""
    db = _small_ledger(sample_dir, tmp_path)
    before = _registers_state(db)
    crafted = [_with_register_sheets(sample_dir, tmp_path / "in" / "2025-06-28" / "住建局.xlsx", True),
               _problem_list(sample_dir, tmp_path / "in" / "住建局" / "住建局问题清单.xlsx"),
               _problem_list(sample_dir, tmp_path / "in" / "2025-06-14" / "问题清单.xlsx")]
    got = ingest([sample_dir / "schedules", sample_dir / "start_reports", sample_dir / "reports" / "2025-06-28",
                  sample_dir / "misc", *crafted], db, progress=False)
    assert not [o for o in got if o.kind == "registers" and o.status != "rejected"]
    assert _registers_state(db) == before
    wb = openpyxl.load_workbook(_registers_file(sample_dir))
    wb["问题清单"].append(["WT2025-999", "2025-ZD-001", "土地", "新问题", "自然资源局", dt.date(2025, 7, 1),
                          dt.date(2025, 8, 1), None])
    p = tmp_path / "登记簿" / "登记簿.xlsx"
    p.parent.mkdir()
    wb.save(p)
    (o,) = ingest([p], db, progress=False)
    assert (o.kind, o.status) == ("registers", "new_version")
    assert _registers_state(db)[1][2] == before[1][2] + 1


# ---------------------------------------------------------------- 6. never write into a damaged ledger


def _truncated_copy(pristine_ledger, tmp_path: Path) -> Path:
    folder, _ = pristine_ledger
    mine = tmp_path / "damaged"
    shutil.copytree(folder, mine, ignore=shutil.ignore_patterns(".result.pickle"))
    db = mine / "alxa.duckdb"
    with open(db, "r+b") as fh:
        fh.truncate(db.stat().st_size // 2)
    return db


def test_a_truncated_ledger_takes_no_file(pristine_ledger, sample_dir, tmp_path, capsys):
    """A ledger truncated to half its size used to take a new file (new_version, exit 0) and grow; now the
    ingest is one line pointing at alxa rebuild, exit 2, and the file is not touched."""
    from alxa_lib import cli
    from tests.test_cli_errors import one_bilingual_line
    db = _truncated_copy(pristine_ledger, tmp_path)
    size, digest = db.stat().st_size, db.read_bytes()
    case = _with_register_sheets(sample_dir, tmp_path / "in" / "2025-06-28" / "住建局.xlsx", False)
    code = cli.main(["ingest", str(case), "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    line = one_bilingual_line(err)
    assert "alxa rebuild" in line and bilingual(line.removeprefix("错误 / error: "), cn="未写入任何数据",
                                                 en="nothing was written")
    assert db.stat().st_size == size and db.read_bytes() == digest


def test_another_programs_duckdb_file_is_never_given_a_ledgers_schema(sample_dir, tmp_path, capsys):
    """The damaged-ledger pass runs on the writing connection before anything is written: a DuckDB database
    that is not a ledger (no files table) is refused in one line and left byte for byte as it was."""
    from alxa_lib import cli
    from tests.test_cli_errors import one_bilingual_line
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE budget (item VARCHAR, amount DOUBLE)")
    con.execute("INSERT INTO budget VALUES ('road', 12.5)")
    con.close()
    before = db.read_bytes()
    code = cli.main(["ingest", str(sample_dir / "plan"), "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert bilingual(one_bilingual_line(err).removeprefix("错误 / error: "), cn="不是台账", en="not a ledger")
    assert db.read_bytes() == before and not Path(f"{db}.wal").exists()


def test_the_readable_check_passes_on_a_whole_ledger_and_names_the_broken_tables(pristine_ledger, tmp_path):
    from alxa_lib.ledger import integrity
    whole = tmp_path / "whole"
    shutil.copytree(pristine_ledger[0], whole, ignore=shutil.ignore_patterns(".result.pickle"))
    con = duckdb.connect(str(whole / "alxa.duckdb"), read_only=True)
    try:
        assert integrity.unreadable_tables(con) == []
    finally:
        con.close()
    db = _truncated_copy(pristine_ledger, tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    try:
        bad = dict(integrity.unreadable_tables(con))
    finally:
        con.close()
    assert bad and set(bad) <= set(integrity.TABLES)  # which tables lie in the lost half depends on the layout


# ---------------------------------------------------------------- 7. amounts against the project itself


def _report_with(sample_dir: Path, dst: Path, annual) -> Path:
    """The sample's 住建局 report of 06-28 with the first row's 本年完成投资 (I5; 2025-ZD-001: total 3,000, annual
    plan 1,364, 本年 439) replaced."""
    wb = openpyxl.load_workbook(sample_dir / REPORT)
    ws = wb.active
    assert (ws["B5"].value, ws["F5"].value, ws["G5"].value, ws["I5"].value) == ("2025-ZD-001", 3000, 1364, 439)
    ws["I5"] = annual
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _rate(db: Path, day: dt.date) -> dict:
    from alxa_lib.figures import metrics, state
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = state.load_year(con, day.year, only=state.FIGURE_FRAMES, report_columns=state.FIGURE_REPORT_COLUMNS)
    finally:
        con.close()
    return metrics.investment(data, day)


def test_an_amount_typed_in_yuan_is_an_error_and_counts_in_no_figure(sample_dir, tmp_path):
    """本年完成投资 439 万元 typed as 4,390,000 (元): an error finding on I5 that says 疑似以元为单位填报, and the
    brief's investment completion rate is the one of the same report with that cell empty; the corrected
    version counts again."""
    from alxa_lib.checks.validate import validate_period
    day = dt.date(2025, 6, 28)
    rates = {}
    for case, annual in (("blank", None), ("yuan", 4_390_000), ("right", 439)):
        db = _small_ledger(sample_dir, tmp_path / case)
        (o,) = ingest([_report_with(sample_dir, tmp_path / case / "in" / "2025-06-28" / "住建局.xlsx", annual)], db,
                      progress=False)
        assert o.status == "ingested"
        rates[case] = _rate(db, day)
        if case == "yuan":
            con = duckdb.connect(str(db))
            found = validate_period(con, day)
            con.close()
            mine = found[found["cell"] == "I5"]
            assert mine["rule"].tolist() == ["AMOUNT_ABOVE_PROJECT"]
            (msg,) = mine["message"]
            assert mine["severity"].iloc[0] == "error" and "疑似以元为单位填报" in msg and "439.00" in msg
            assert "CUMULATIVE_LT_ANNUAL" not in set(found["rule"])  # the slip is one finding, not two
    assert rates["yuan"]["annual_completed"] == rates["blank"]["annual_completed"]
    assert rates["yuan"]["rate"] == rates["blank"]["rate"] < 1
    assert rates["right"]["annual_completed"] == pytest.approx(rates["blank"]["annual_completed"] + 439)


def test_the_amount_rules_by_hand():
    from alxa_lib.checks.amounts import implausible, yuan_hint
    # annual plan 10,000, total 20,000 (the project); factor 3 from params
    assert implausible("annual_completed", 50_000_000, 20_000, 10_000) == ("total", 20_000)
    assert "折合5,000.00万元" in yuan_hint("annual_completed", 50_000_000, 20_000, 10_000)
    assert implausible("annual_completed", 20_000, 20_000, 10_000) is None  # at the total: allowed
    assert implausible("annual_completed", 15_000, None, 4_000) == ("annual", 12_000)
    assert implausible("annual_completed", 12_000, None, 4_000) is None
    assert implausible("annual_completed", 15_000, None, 0) is None  # no annual plan to compare with
    assert implausible("cumulative_completed", 20_000.01, 20_000, 1) == ("total", 20_000)
    assert implausible("cumulative_completed", 900, 20_000, 100) is None  # a cumulative is not held to the annual plan
    assert yuan_hint("annual_completed", 25_000, 20_000, 10_000) == ""  # just above the total: no unit slip
    assert yuan_hint("annual_completed", 4_390_000, 3_000, 1_364) == "（疑似以元为单位填报，折合439.00万元）"
    assert yuan_hint("annual_completed", 900_000_000, 3_000, 1_364) == ""  # 90,000 万元 is no better
    assert yuan_hint("annual_completed", 400, 3_000, 1_364) == ""  # nothing wrong


# ---------------------------------------------------------------- 8. drift: totals, two-digit years, merged cells


def _sample_report(sample_dir: Path, dst: Path, edit) -> Path:
    wb = openpyxl.load_workbook(sample_dir / REPORT)
    edit(wb.active)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _with_total(label: str, col: int, wrong: float = 0.0):
    """A total row below the last project row (row 15), its label in column ``col``, holding the sums of
    总投资, 年度计划投资, 本年完成投资 and 累计完成投资 (本年 off by ``wrong``)."""
    def edit(ws):
        last = max(r for r in range(5, 40) if ws.cell(r, 2).value)
        ws.insert_rows(last + 1)
        ws.cell(last + 1, col).value = label
        for c in (6, 7, 9, 10):
            ws.cell(last + 1, c).value = sum(ws.cell(r, c).value or 0 for r in range(5, last + 1)) + (wrong if c == 9 else 0)
    return edit


@pytest.mark.parametrize("label,col", [("小计", 1), ("合计", 4), ("合 计：", 5), ("本页合计（万元）", 3)])
def test_a_total_row_is_no_project(sample_dir, tmp_path, label, col):
    """A 合计/小计/总计 row, its label in 序号, 项目名称 or another column, is not a project row: the 11 projects
    of the report and no finding about it (it used to be a twelfth row with REQUIRED_MISSING errors)."""
    p = _sample_report(sample_dir, tmp_path / "2025-06-28" / "住建局.xlsx", _with_total(label, col))
    res = read_workbook(p)
    assert res.n_rows() == 11
    assert not [f for f in res.findings if f["rule"] != "EXTRA_COLUMN"] and res.meta["total_checks"] == []


def test_a_total_that_disagrees_with_the_rows_above_is_a_warning(sample_dir, tmp_path):
    p = _sample_report(sample_dir, tmp_path / "2025-06-28" / "住建局.xlsx", _with_total("合计", 4, wrong=100))
    res = read_workbook(p)
    (f,) = res.meta["total_checks"]
    done = round(sum(v or 0 for v in res.frames["report_rows"]["annual_completed"]), 2)
    assert (f["rule"], f["severity"], f["field"], f["cell"]) == ("TOTAL_ROW_MISMATCH", "warning", "annual_completed", "I16")
    assert f"为{round(done + 100, 2)}，" in f["message"] and f"各行之和{done}不符" in f["message"]


def test_section_subtotals_and_a_grand_total_agree(tmp_path):
    """一、… rows, 小计; 二、… rows, 小计; 合计: each total is checked against its own rows."""
    from tests.helpers import report_row, write_report
    kc = [report_row(pid="2025-ZD-001", annual=100, cumulative=300), report_row(pid="2025-ZD-002", annual=50, cumulative=60)]
    mp = [report_row(pid="2025-QQ-001", cls="重大前期项目", status=None, annual=7, cumulative=7, start=None)]

    def total(label, annual, cumulative):
        return [label, None, None, None, None, None, None, None, annual, cumulative] + [None] * 8

    def section(text):
        return [text] + [None] * 17

    rows = [section("一、重点建设项目"), *kc, total("小计", 150, 360), section("二、重大前期项目"), *mp,
            total("小计", 7, 7), total("合计", 157, 367)]
    res = read_workbook(write_report(tmp_path / "a.xlsx", rows))
    assert res.n_rows() == 3 and res.meta["total_checks"] == []
    rows[-1] = total("合计", 157, 368)
    res = read_workbook(write_report(tmp_path / "b.xlsx", rows))
    assert [(f["field"], f["cell"]) for f in res.meta["total_checks"]] == [("cumulative_completed", "J12")]


@pytest.mark.parametrize("text,expected,approx", [
    ("25.4.12", dt.date(2025, 4, 12), False), ("25/4/12", dt.date(2025, 4, 12), False),
    ("25-4-12", dt.date(2025, 4, 12), False),
    ("25.4.24", dt.date(2025, 4, 24), True),  # 24 April 2025, or 25 April 2024
    ("24.12.25", dt.date(2024, 12, 25), True),
    ("25.4.31", None, False),  # no such date: unparseable
])
def test_two_digit_years(text, expected, approx):
    from alxa_lib.workbooks.cells import parse_date
    got, ok, is_approx = parse_date(text, 2025)
    assert (got, ok, is_approx) == (expected, expected is not None, approx)


def test_a_two_digit_year_in_a_report_is_read(sample_dir, tmp_path):
    """开（复）工日期 written 25.3.15 (L5) is 2025-03-15 with no finding; 25.3.24 is read too, marked approximate."""
    def edit(ws):
        ws["L5"] = "25.3.15"
        ws["L6"] = "25.3.24"
    res = read_workbook(_sample_report(sample_dir, tmp_path / "2025-06-28" / "住建局.xlsx", edit))
    rows = res.frames["report_rows"].set_index("_row")
    assert rows.loc[5, "start_date"] == dt.date(2025, 3, 15) and rows.loc[6, "start_date"] == dt.date(2025, 3, 24)
    assert [(f["rule"], f["cell"]) for f in res.findings] == [("APPROXIMATE_DATE", "L6")]


def test_vertically_merged_liaison_and_phone_fill_every_row(sample_dir, tmp_path):
    """联络员 AC5:AC8 and 联系电话 AD5:AD8 merged (one person for four projects): every row gets them."""
    def edit(ws):
        for c in ("AC", "AD"):
            ws.merge_cells(f"{c}5:{c}8")
    res = read_workbook(_sample_report(sample_dir, tmp_path / "2025-06-28" / "住建局.xlsx", edit))
    rows = res.frames["report_rows"].set_index("_row")
    assert rows.loc[5:8, "liaison"].tolist() == ["赵磊"] * 4
    assert rows.loc[5:8, "phone"].tolist() == ["0483-8300000"] * 4


amount = st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda v: round(v, 2)))


@given(st.lists(st.tuples(amount, amount, amount, amount), min_size=1, max_size=30))
def test_the_figures_mask_is_the_rows_test(rows):
    """``mask_amounts`` (a year's rows at once, for the figures) empties exactly the amounts ``implausible``
    (one row, for the checks) refuses."""
    import numpy as np
    import pandas as pd
    from alxa_lib.checks.amounts import implausible, mask_amounts
    df = pd.DataFrame(rows, columns=["annual_completed", "cumulative_completed", "total", "plan"], dtype=object)
    nan = float("nan")
    got = mask_amounts(df, np.array([nan if v is None else v for v in df["total"]], dtype=float),
                       np.array([nan if v is None else v for v in df["plan"]], dtype=float))
    for k, (annual, cumulative, total, plan) in enumerate(rows):
        for f, v in (("annual_completed", annual), ("cumulative_completed", cumulative)):
            kept = implausible(f, v, total, plan) is None
            assert got[f].iloc[k] == (v if kept else None) or (v is None and got[f].iloc[k] is None)
