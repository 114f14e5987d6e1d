"""Every xlsx the toolkit writes can be printed and reused: numbers and dates stored as such with a
display format, widths by content, frozen and filtered header, A4 print set-up with repeated header rows;
return lists speak Chinese only."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from alxa_lib import ledger
from alxa_lib.checks.returns import write_return_lists
from alxa_lib.checks.validate import latest_only, period_findings
from alxa_lib.rules import RULES
from alxa_lib.vocab import REPORT_FIELDS, SCHEDULE_FIELDS
from alxa_lib.workbooks.xlsx_write import display_width, typed, write_tables

PERIOD = dt.date(2025, 6, 28)


@pytest.fixture(scope="module")
def written(ledger_db, reports_out, tmp_path_factory):
    """Every kind of workbook the toolkit writes: each report's xlsx (rendered once per session by
    ``alxa report``), and the return lists and DRC summary of ``alxa validate --xlsx``."""
    db = ledger_db[0]
    out = tmp_path_factory.mktemp("xlsx")
    con = ledger.connect(db, read_only=True)
    try:
        shown = latest_only(period_findings(con, PERIOD), con)
        returns = write_return_lists(con, shown, PERIOD, out / "returns")
    finally:
        con.close()
    return {**{kind: reports_out[kind]["xlsx"] for kind in ("brief", "quarter", "annual", "investigate", "meeting")},
            **{p.stem: p for p in returns}}


def _header_row(ws) -> int:
    """The frozen pane sits just below the header."""
    return int(re.sub(r"\D", "", ws.freeze_panes)) - 1


def test_every_sheet_is_set_up_for_print_and_filtering(written):
    assert any(k.startswith("退回修改清单_") for k in written) and any(k.startswith("校验汇总_") for k in written)
    for name, path in written.items():
        wb = load_workbook(path)
        for ws in wb.worksheets:
            where = f"{name}/{ws.title}"
            assert ws.freeze_panes and ws.freeze_panes.startswith("A"), where
            h = _header_row(ws)
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{h}:"), where
            assert ws.print_title_rows and f"${h}:${h}" in ws.print_title_rows, where
            assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4), where
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert str(ws.page_setup.fitToWidth) == "1", where
            total = 0.0
            for c in range(1, ws.max_column + 1):
                letter = ws.cell(h, c).column_letter
                width = ws.column_dimensions[letter].width
                header = ws.cell(h, c).value or ""
                assert width >= min(display_width(str(header)), 48), (where, header, width)  # header fits
                total += width
            assert ws.page_setup.orientation == ("landscape" if total > 100 else "portrait"), where


def test_numbers_and_dates_are_stored_as_such(written):
    seen = {"amount": 0, "percent": 0, "date": 0}
    for name, path in written.items():
        for ws in load_workbook(path).worksheets:
            h = _header_row(ws)
            headers = [str(ws.cell(h, c).value or "") for c in range(1, ws.max_column + 1)]
            for row in ws.iter_rows(min_row=h + 1):
                for cell, header in zip(row, headers):
                    v = cell.value
                    if isinstance(v, str):
                        # text that looks like a number or a percentage only in free-text columns
                        if re.fullmatch(r"-?\d[\d,]*\.\d+|-?\d+(\.\d+)?%", v.strip()):
                            assert any(w in header for w in ("名称", "进度", "问题", "说明", "填报值", "描述")), \
                                (name, ws.title, header, v)
                    elif isinstance(v, (int, float)) and not isinstance(v, bool):
                        assert cell.number_format != "General", (name, ws.title, header, v)
                        if "万元" in header:
                            assert cell.number_format == "#,##0.00", (name, header)
                            seen["amount"] += 1
                        if cell.number_format.endswith("%"):
                            assert -1.5 <= v <= 1.5, (name, header, v)  # a fraction, shown as a percentage
                            seen["percent"] += 1
                    elif isinstance(v, dt.datetime):
                        assert cell.number_format == "yyyy-mm-dd", (name, header)
                        seen["date"] += 1
    assert all(n > 0 for n in seen.values()), seen


def test_brief_rates_are_real_percentages(written):
    ws = load_workbook(written["brief"])["分单位开复工情况"]
    h = _header_row(ws)
    headers = [ws.cell(h, c).value for c in range(1, ws.max_column + 1)]
    rate, started, total = (headers.index(x) + 1 for x in ("开复工率", "已开复工（个）", "项目数（个）"))
    for r in range(h + 1, ws.max_row + 1):
        s, t, x = ws.cell(r, started).value, ws.cell(r, total).value, ws.cell(r, rate).value
        assert isinstance(x, (int, float)) and ws.cell(r, rate).number_format == "0.0%"
        assert x == pytest.approx(s / t, abs=0.0005)  # the HTML shows one decimal of a percent


def test_return_lists_speak_chinese_only(written):
    codes = set(RULES) | set(REPORT_FIELDS) | set(SCHEDULE_FIELDS) | {"error", "warning", "info"}
    returns = [p for k, p in written.items() if k.startswith(("退回修改清单_", "校验汇总_"))]
    rows = 0
    for path in returns:
        for ws in load_workbook(path).worksheets:
            h = _header_row(ws)
            for row in ws.iter_rows(min_row=1):
                for cell in row:
                    if isinstance(cell.value, str):
                        assert cell.value.strip() not in codes, (path.name, cell.coordinate, cell.value)
                        assert not re.search(r"\b[A-Z]+_[A-Z_]+\b", cell.value), (path.name, cell.value)
            if ws.title == "退回修改清单":
                headers = [ws.cell(h, c).value for c in range(1, ws.max_column + 1)]
                assert "单元格" in headers and "问题类型" in headers
                col = headers.index("单元格") + 1
                for r in range(h + 1, ws.max_row + 1):
                    ref = ws.cell(r, col).value
                    assert ref is None or re.fullmatch(r"[A-Z]{1,3}\d+", ref), ref
                    rows += 1
    assert rows > 0


def test_typed_keeps_department_text_as_text():
    assert typed("45%", "形象进度") == ("45%", None)
    assert typed("=1+1", "存在问题") == ("=1+1", None)
    assert typed("45.2%", "开复工率") == (0.452, "0.0%")
    assert typed("1,234.50", "数值") == (1234.5, "#,##0.00")
    assert typed(12, "总投资（万元）") == (12, "#,##0.00")
    assert typed(pd.Timestamp("2025-06-28"), "日期") == (dt.date(2025, 6, 28), "yyyy-mm-dd")


def test_write_tables_widths_count_chinese_double(tmp_path):
    df = pd.DataFrame({"项目名称": ["阿拉善左旗巴彦浩特镇老旧小区改造项目"], "code": ["ab"], "存在问题": ["很长的问题" * 20]})
    ws = load_workbook(write_tables(tmp_path / "t.xlsx", "标题", [("表", df)]))["表"]
    assert ws.column_dimensions["A"].width >= display_width(df.iloc[0, 0])
    assert ws.column_dimensions["B"].width < 10
    assert ws["C3"].alignment.wrap_text  # long text wraps
    assert ws["A3"].data_type == "s" and ws["C3"].value == "很长的问题" * 20
