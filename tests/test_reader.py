"""One small workbook per tolerance case and per rejection reason (docs/workbooks.md)."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from alxa_lib.workbooks.reader import RejectedFile, read_workbook
from alxa_lib.workbooks.xlsx_write import put
from tests.helpers import OFFICIAL_SUB, OFFICIAL_TOP, bilingual, report_row, write_report


def rows_of(res):
    return res.frames["report_rows"].to_dict("records")


def test_official_two_row_header(tmp_path):
    res = read_workbook(write_report(tmp_path / "a.xlsx", [report_row()]))
    assert (res.kind, res.department, res.period, res.meta["signed"]) == ("report", "住建局", dt.date(2025, 6, 28), True)
    r = rows_of(res)[0]
    assert (r["project_id"], r["status"], r["annual_completed"], r["cumulative_completed"], r["start_date"]) == \
        ("2025-ZD-001", "已开工", 100.0, 300.0, dt.date(2025, 4, 1))
    assert res.findings == []


def test_many_title_rows_and_notes_below(tmp_path):
    res = read_workbook(write_report(tmp_path / "a.xlsx", [report_row()], extra_title_rows=4,
                                     footer=("审核人：张三", "注：本表单位为万元。")))
    assert len(rows_of(res)) == 1 and rows_of(res)[0]["annual_completed"] == 100.0


def test_one_row_header_with_drifted_spellings(tmp_path):
    top = ["序号", "项目 编号", "项目\n名称", "项目类别", "建设性质", "总投资(万元)", "年度计划投资", "建设年限", "本年完成投资",
           "累计完成投资（万元）", "开(复)工状态", "开复工日期", "预计开工日期", "未开工原因", "形象进度", "形象进度占比%", "存在问题", "联络员"]
    res = read_workbook(write_report(tmp_path / "a.xlsx", [report_row()], top=top, sub=[]))
    r = rows_of(res)[0]
    assert (r["project_id"], r["status"], r["cumulative_completed"], r["progress_pct"]) == ("2025-ZD-001", "已开工", 300.0, 30.0)


@pytest.mark.parametrize("unit,factor", [("亿元", 1e-4), ("元", 1e4)])
def test_units_converted_to_wanyuan(tmp_path, unit, factor):
    top = [t.replace("万元", unit) if t else t for t in OFFICIAL_TOP]
    row = report_row(annual=100 * factor, cumulative=300 * factor, total=1000 * factor, planned=500 * factor)
    r = rows_of(read_workbook(write_report(tmp_path / "a.xlsx", [row], top=top)))[0]
    assert (r["annual_completed"], r["cumulative_completed"], r["total_investment"], r["annual_planned"]) == \
        (100.0, 300.0, 1000.0, 500.0)


def test_columns_in_another_order_and_extra_column(tmp_path):
    top = list(reversed(OFFICIAL_TOP[:8])) + ["备注"]
    row = list(reversed(report_row()[:8])) + ["随便写"]
    res = read_workbook(write_report(tmp_path / "a.xlsx", [row + []], top=top + ["本年完成投资", "累计完成投资", "开复工状态"],
                                     sub=[]))
    r = rows_of(res)[0]
    assert (r["project_id"], r["total_investment"], r["years"]) == ("2025-ZD-001", 1000.0, (2024, 2026))
    assert [f["rule"] for f in res.findings] == ["EXTRA_COLUMN"]


def test_numbers_and_dates_as_text(tmp_path):
    row = report_row(annual="1,200", cumulative="１５００", total="3000万元", start="2025年4月1日", pct="45%")
    row2 = report_row(pid="2025-ZD-002", status="未开工", annual="0", cumulative="—", start=None,
                      expected="2025.7.15", reason="资金未落实", pct="/")
    row3 = report_row(pid="2025-ZD-003", start="4月2日", pct=0.45)
    row4 = report_row(pid="2025-ZD-004", status="未开工", start=None, expected="2025年8月", reason="手续")
    rows = {r["project_id"]: r for r in rows_of(read_workbook(write_report(tmp_path / "a.xlsx", [row, row2, row3, row4])))}
    assert (rows["2025-ZD-001"]["annual_completed"], rows["2025-ZD-001"]["cumulative_completed"]) == (1200.0, 1500.0)
    assert rows["2025-ZD-001"]["start_date"] == dt.date(2025, 4, 1) and rows["2025-ZD-001"]["progress_pct"] == 45.0
    assert rows["2025-ZD-002"]["cumulative_completed"] is None and rows["2025-ZD-002"]["expected_start"] == dt.date(2025, 7, 15)
    assert rows["2025-ZD-003"]["start_date"] == dt.date(2025, 4, 2) and rows["2025-ZD-003"]["progress_pct"] == 45.0
    assert rows["2025-ZD-004"]["expected_start"] == dt.date(2025, 8, 1)


def test_typed_ids_and_exported_dates(tmp_path):
    """Drift seen in typed or exported rows: a 项目编号 in small letters with spaces or with a Chinese keyboard's
    dashes, a date as text with its time."""
    row = report_row(pid=" 2025-zd-001 ", start="2025-04-01 00:00:00", expected=None)
    row2 = report_row(pid="2025-ZD-002", status="未开工", start=None, expected="2025/7/15 0:00:00", reason="资金未落实")
    row3 = report_row(pid="2025——ZD—003", start="2025-04-02")
    res = read_workbook(write_report(tmp_path / "a.xlsx", [row, row2, row3]))
    rows = {r["project_id"]: r for r in rows_of(res)}
    assert set(rows) == {"2025-ZD-001", "2025-ZD-002", "2025-ZD-003"}
    assert rows["2025-ZD-001"]["start_date"] == dt.date(2025, 4, 1)
    assert rows["2025-ZD-002"]["expected_start"] == dt.date(2025, 7, 15)
    assert not [f for f in res.findings if f["rule"] == "UNPARSEABLE_VALUE"]


def test_unreadable_cells_are_findings_with_their_cell(tmp_path):
    row = report_row(annual="约500", start="六月中旬", status="差不多")
    res = read_workbook(write_report(tmp_path / "a.xlsx", [row]))
    got = {(f["rule"], f["field"], f["cell"]) for f in res.findings}
    # header rows 3-4, the data row is Excel row 5: I=本年完成投资, K=开复工状态, L=开（复）工日期
    assert got == {("UNPARSEABLE_VALUE", "annual_completed", "I5"), ("UNPARSEABLE_VALUE", "start_date", "L5"),
                   ("UNPARSEABLE_VALUE", "status", "K5")}
    assert all(f["sheet"] == "重点建设项目表" and f["department"] == "住建局" for f in res.findings)


def test_total_row_skipped_and_checked_blank_rows_ignored(tmp_path):
    rows = [report_row(), [None] * 18, report_row(pid="2025-ZD-002", annual=50, cumulative=60),
            [None, None, "合计", None, None, 2000, 1000, None, 999, 360]]
    res = read_workbook(write_report(tmp_path / "a.xlsx", rows))
    assert [r["project_id"] for r in rows_of(res)] == ["2025-ZD-001", "2025-ZD-002"]
    mismatches = res.meta["total_checks"]
    assert [(f["rule"], f["field"], f["cell"]) for f in mismatches] == [("TOTAL_ROW_MISMATCH", "annual_completed", "I8")]


def test_right_sheet_found_among_several(tmp_path):
    res = read_workbook(write_report(tmp_path / "a.xlsx", [report_row()], first_sheet="填报说明"))
    assert res.meta["sheet"] == "重点建设项目表" and len(rows_of(res)) == 1


def test_xls_and_xlsm(tmp_path, sample_dir):
    xls = next(sample_dir.rglob("*.xls"))
    xlsm = next(sample_dir.rglob("*.xlsm"))
    for p in (xls, xlsm):
        res = read_workbook(p)
        assert res.kind == "report" and len(res.frames["report_rows"]) > 0


def _codepage(data: bytes, page: int) -> bytes:
    """The .xls ``data`` with its CODEPAGE record saying ``page``."""
    at = data.find(b"\x42\x00\x02\x00")
    assert at > 0
    return data[:at + 4] + page.to_bytes(2, "little") + data[at + 6:]


def test_an_xls_calamine_refuses_is_read_by_xlrd_merged_cells_included(tmp_path, sample_dir):
    """CODEPAGE 32768 (Apple Roman, a value the BIFF specification lists; a BIFF8 file's strings are Unicode
    whatever it says) made calamine refuse the file ("Codepage 8000 not found") and it was called corrupt.
    xlrd reads it: the same rows, findings and merged cells as the file calamine reads."""
    import xlrd
    import xlwt
    src = xlrd.open_workbook(next(sample_dir.rglob("*.xls"))).sheet_by_index(0)
    out = xlwt.Workbook(encoding="utf-8")
    ws = out.add_sheet(src.name)
    liaison = src.row_values(2).index("联络员")
    for r in range(src.nrows):
        for c, v in enumerate(src.row_values(r)):
            if r < 3 or c not in (liaison, liaison + 1):
                ws.write(r, c, v)
    for c in (liaison, liaison + 1):  # one liaison for every project: merged down the column
        ws.write_merge(3, src.nrows - 1, c, c, src.cell_value(3, c))
    plain = tmp_path / "plain" / "林业和草原局.xls"
    plain.parent.mkdir()
    out.save(str(plain))
    odd = tmp_path / "林业和草原局.xls"
    odd.write_bytes(_codepage(plain.read_bytes(), 32768))
    from python_calamine import CalamineWorkbook
    with pytest.raises(Exception, match="Codepage"):
        CalamineWorkbook.from_path(str(odd)).get_sheet_by_index(0)
    got, want = read_workbook(odd), read_workbook(plain)
    assert got.kind == want.kind == "report"
    assert got.frames["report_rows"].equals(want.frames["report_rows"])
    assert set(got.frames["report_rows"]["liaison"]) == {src.cell_value(3, liaison)}
    assert [f["message"] for f in got.findings] == [f["message"] for f in want.findings]


def test_an_xls_neither_reader_reads_says_which_readers_tried(tmp_path, sample_dir):
    """CODEPAGE 32768 (calamine refuses) and a workbook stream whose first record is no BOF (xlrd refuses):
    ``corrupt``, and the line names both readers and what each said."""
    data = bytearray(_codepage(next(sample_dir.rglob("*.xls")).read_bytes(), 32768))
    at = data.find(b"\x09\x08\x10\x00")  # the workbook stream's BOF record
    data[at:at + 2] = b"\0\0"
    bad = tmp_path / "林业和草原局.xls"
    bad.write_bytes(bytes(data))
    with pytest.raises(RejectedFile) as err:
        read_workbook(bad)
    assert err.value.reason == "corrupt" and "林业和草原局.xls" in str(err.value)
    assert "calamine: Cfb error: Codepage 8000 not found; xlrd: XLRDError" in str(err.value)


def test_an_xls_cut_inside_its_directory_is_corrupt_before_calamine(tmp_path, sample_dir):
    """A .xls cut short inside a directory entry made calamine panic (a Rust panic is no Python ``Exception``:
    it escaped as a traceback, after the panic's own lines on stderr); the compound-file check refuses it first."""
    bad = tmp_path / "林业和草原局.xls"
    bad.write_bytes(next(sample_dir.rglob("*.xls")).read_bytes()[:-100])
    with pytest.raises(RejectedFile) as err:
        read_workbook(bad)
    assert err.value.reason == "corrupt" and "ends inside a directory entry" in str(err.value)


def test_department_from_alias_and_from_file_name(tmp_path):
    res = read_workbook(write_report(tmp_path / "x.xlsx", [report_row()], meta="填报单位：阿拉善左旗住房和城乡建设局（盖章）  主要领导签字：否"))
    assert res.department == "住建局" and res.meta["signed"] is False
    res = read_workbook(write_report(tmp_path / "旗交通局.xlsx", [report_row()], meta=None))
    assert res.department == "交通运输局" and res.meta["signed"] is False


def test_period_from_folder_and_override(tmp_path):
    p = write_report(tmp_path / "2025-07-14" / "住建局.xlsx", [report_row()], title="重点建设项目进展情况表")
    assert read_workbook(p).period == dt.date(2025, 7, 14)
    p2 = write_report(tmp_path / "misc" / "住建局.xlsx", [report_row()], title="重点建设项目进展情况表")
    assert read_workbook(p2, period=dt.date(2025, 8, 28)).period == dt.date(2025, 8, 28)
    # a title 截至 date is the period when it is a reporting date; any other date is refused, never moved
    p3 = write_report(tmp_path / "misc2" / "住建局.xlsx", [report_row()], title="进展情况表（截至2025年6月14日）")
    assert read_workbook(p3).period == dt.date(2025, 6, 14)
    p4 = write_report(tmp_path / "misc3" / "住建局.xlsx", [report_row()], title="进展情况表（截至2025年6月20日）")
    with pytest.raises(RejectedFile) as exc:
        read_workbook(p4)
    assert exc.value.reason == "not_reporting_date"


def test_formula_without_cached_value_is_unparseable(tmp_path):
    p = write_report(tmp_path / "a.xlsx", [report_row()])
    from openpyxl import load_workbook
    wb = load_workbook(p)
    wb.active["I5"] = "=SUM(1,2)"  # openpyxl stores no cached value
    wb.save(p)
    res = read_workbook(p)
    assert [(f["rule"], f["cell"]) for f in res.findings] == [("UNPARSEABLE_VALUE", "I5")]
    assert rows_of(res)[0]["annual_completed"] is None


# ---------------------------------------------------------------- rejected whole
WHAT_IT_SAYS = {  # reason → (a word the Chinese half must say, a word the English half must say)
    "corrupt": ("损坏", "corrupt"), "no_table": ("未找到", "table"), "unknown_department": ("单位", "unknown department"),
    "no_period": ("期次", "no period"), "password": ("密码", "password"), "oversized": ("超过", "split"),
}


def _reason(path, **kw):
    with pytest.raises(RejectedFile) as exc:
        read_workbook(path, **kw)
    cn, en = WHAT_IT_SAYS[exc.value.reason]
    assert bilingual(str(exc.value), cn=cn, en=en), str(exc.value)
    return exc.value.reason


def test_rejections(tmp_path):
    corrupt = tmp_path / "bad.xlsx"
    corrupt.write_bytes(b"PK\x03\x04garbage")
    assert _reason(corrupt) == "corrupt"
    text = tmp_path / "notes.xlsx"
    text.write_text("hello", encoding="utf-8")
    assert _reason(text) == "corrupt"
    wb = Workbook()
    put(wb.active["A1"], "情况说明")
    wb.save(tmp_path / "说明.xlsx")
    assert _reason(tmp_path / "说明.xlsx") == "no_table"
    unknown = write_report(tmp_path / "x.xlsx", [report_row()], meta="填报单位：旗未知局（盖章）")
    assert _reason(unknown) == "unknown_department"
    no_period = write_report(tmp_path / "misc" / "住建局.xlsx", [report_row()], title="进展情况表")
    assert _reason(no_period) == "no_period"


def test_password_protected_is_rejected(tmp_path):
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 400)
    assert _reason(ole) == "password"


def test_oversized_by_rows_and_bytes(tmp_path, monkeypatch):
    from alxa_lib import params
    p = write_report(tmp_path / "a.xlsx", [report_row(pid=f"2025-ZD-{i:03d}") for i in range(30)])
    original = params.load
    cfg = dict(original("ingest"), max_rows=10)
    monkeypatch.setattr(params, "load", lambda name: cfg if name == "ingest" else original(name))
    assert _reason(p) == "oversized"
    cfg.update(max_rows=20000, max_file_mb=0.001)
    assert _reason(p) == "oversized"


def test_wide_footer_and_section_headings(tmp_path):
    rows = [["一、重点建设项目"] + [None] * 17, report_row(),
            ["二、重大前期项目"] + [None] * 17,
            report_row(pid="2025-QQ-001", cls=None, status=None, annual=None, cumulative=None, start=None)]
    footer = ("审核人：张三", )
    p = write_report(tmp_path / "a.xlsx", rows, footer=footer)
    from openpyxl import load_workbook
    wb = load_workbook(p)
    ws = wb.active
    last = ws.max_row + 1
    for c, v in enumerate(["审核人：张三", None, "填报人：李四", "联系电话：0483-1", "填报日期：2025年6月27日"], start=1):
        if v:
            ws.cell(last, c).value = v
    wb.save(p)
    got = rows_of(read_workbook(p))
    assert [(r["project_id"], r["class"]) for r in got] == [("2025-ZD-001", "KC"), ("2025-QQ-001", "MP")]


def test_registers_workbook_with_one_sheet(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    for c, h in enumerate(["问题编号", "项目编号", "问题类型", "问题描述", "责任单位", "提出日期", "解决时限", "解决日期"], start=1):
        put(ws.cell(2, c), h)
    for c, v in enumerate(["WT1", "2025-ZD-001", "", "用地未批", "旗自然资源局", "2025年3月1日", "2025-04-01", None], start=1):
        if v:
            put(ws.cell(3, c), v)
    wb.save(tmp_path / "登记簿.xlsx")
    res = read_workbook(tmp_path / "登记簿.xlsx")
    assert res.kind == "registers"
    p = res.frames["problems"].to_dict("records")
    assert [(x["project_id"], x["owner"], x["raised_date"]) for x in p] == [("2025-ZD-001", "自然资源局", dt.date(2025, 3, 1))]


def test_many_extra_columns_are_ignored_with_one_finding(tmp_path):
    """A report carrying 60 columns of its own beyond the template's (still within the column limit): its rows
    are read, and the extra columns are one EXTRA_COLUMN finding naming the first five and the count (were 60)."""
    top = OFFICIAL_TOP + [f"自定义{k}" for k in range(1, 61)]
    sub = OFFICIAL_SUB + [None] * 60
    row = report_row() + [f"值{k}" for k in range(1, 61)]
    res = read_workbook(write_report(tmp_path / "2025-06-28" / "住建局.xlsx", [row], top=top, sub=sub))
    assert rows_of(res)[0]["annual_completed"] == 100.0
    extra = [f for f in res.findings if f["rule"] == "EXTRA_COLUMN"]
    assert len(extra) == 1 and extra[0]["cell"] == "S3"
    assert "“自定义1、自定义2、自定义3、自定义4、自定义5等60列”" in extra[0]["message"]
