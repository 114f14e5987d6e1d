"""Small workbook builders for hand-written fixtures."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from alxa_lib.workbooks.xlsx_write import put

OFFICIAL_TOP = ["序号", "项目编号", "项目名称", "项目类别", "建设性质", "总投资（万元）", "年度计划投资（万元）", "建设年限",
                "投资完成情况（万元）", None, "开（复）工情况", None, None, None, "形象进度", "形象进度占比（%）", "存在问题",
                "联络员"]
OFFICIAL_SUB = [None] * 8 + ["本年完成投资", "累计完成投资", "开复工状态", "开（复）工日期", "预计开（复）工日期",
                             "未开（复）工原因"] + [None] * 4


def report_row(pid="2025-ZD-001", name="测试项目", status="已开工", annual=100, cumulative=300, start=dt.date(2025, 4, 1),
               expected=None, reason=None, text="主体施工", pct=30, problems=None, total=1000, planned=500,
               years="2024-2026", cls="重点建设项目", nature="续建", liaison="赵磊") -> list[Any]:
    return [1, pid, name, cls, nature, total, planned, years, annual, cumulative, status, start, expected, reason,
            text, pct, problems, liaison]


def write_report(path: Path, rows: list[list[Any]], *, title="阿拉善左旗2025年重点建设项目进展情况表（截至2025年6月28日）",
                 meta="填报单位：住建局（盖章）  主要领导签字：是  填报日期：2025年6月27日", top=None, sub=None,
                 extra_title_rows: int = 0, footer=("审核人：张三  填报人：李四",), sheet="重点建设项目表",
                 first_sheet: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if first_sheet:
        ws.title = first_sheet
        put(ws.cell(1, 1), "说明")
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    r = 1
    for line in [title] + ["（内部资料）"] * extra_title_rows + ([meta] if meta else []):
        put(ws.cell(r, 1), line)
        r += 1
    top = OFFICIAL_TOP if top is None else top
    sub = OFFICIAL_SUB if sub is None else sub
    for c, v in enumerate(top, start=1):
        if v is not None:
            put(ws.cell(r, c), v)
    if sub:
        r += 1
        for c, v in enumerate(sub, start=1):
            if v is not None:
                put(ws.cell(r, c), v)
    r += 1
    for row in rows:
        for c, v in enumerate(row, start=1):
            if v is not None:
                put(ws.cell(r, c), v)
        r += 1
    r += 1
    for line in footer:
        put(ws.cell(r, 1), line)
        r += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def bilingual(message: str, *, cn: str, en: str) -> bool:
    """True when ``message`` is "中文 / English" and each half says what it should (``cn``, ``en`` are
    words that half must contain)."""
    import re
    head, sep, tail = message.partition(" / ")
    return bool(sep) and bool(re.search(r"[\u4e00-\u9fff]", head)) and cn in head and en.lower() in tail.lower()


def write_ods(path: Path, rows: list[list[Any]], *, sheet: str = "重点建设项目表", row_attrs: dict[int, str] | None = None,
              tail: str = "") -> Path:
    """A minimal OpenDocument spreadsheet (what LibreOffice Calc saves as .ods) holding ``rows`` (text, numbers,
    dates as ISO text); ``row_attrs``: extra attributes of a row's tag by index; ``tail``: raw XML after the rows."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v: Any) -> str:
        if v is None:
            return '<table:table-cell/>'
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
    body = "".join(f"<table:table-row{(row_attrs or {}).get(i, '')}>{''.join(map(cell, r))}</table:table-row>"
                   for i, r in enumerate(rows))
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="{escape(sheet)}">{body}{tail}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
                'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def with_params(monkeypatch, name: str, **changes: Any) -> None:
    """For one test, ``params/<name>.yaml`` with ``changes`` at its top level (the loaded parameters are
    read-only, so the test swaps in a changed copy instead of writing into the shared one)."""
    from alxa_lib import params
    original = params.load
    changed = params._frozen({**params.editable(name), **changes})
    monkeypatch.setattr(params, "load", lambda n: changed if n == name else original(n))
