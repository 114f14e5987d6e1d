"""Writing the period reports as departments fill them in (layout drift included), the ``_received.csv``
manifests, and the files that must be rejected whole."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from alxa_lib.files import atomic_path
from alxa_lib.sample.story import SampleYear, row_at
from alxa_lib.sample.world import Layout, ReportFile
from alxa_lib.vocab import REPORT_FIELDS, REPORT_GROUPS
from alxa_lib.workbooks.xlsx_write import Column, TableSpec, new_workbook, put, save_workbook, save_xls, write_table

REPORT_SHEET = "重点建设项目表"
AMOUNT_FIELDS = ("total_investment", "annual_planned", "annual_completed", "cumulative_completed")
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


# ---------------------------------------------------------------- cell values as written
def _fmt_date(value: dt.date | None, style: str) -> Any:
    if value is None:
        return None
    if style == "excel":
        return value
    return {
        "cn": f"{value.year}年{value.month}月{value.day}日", "dot": f"{value.year}.{value.month}.{value.day}",
        "iso": value.isoformat(), "slash": f"{value.year}/{value.month}/{value.day}",
        "md": f"{value.month}月{value.day}日",
    }[style]


def _fmt_amount(value: float | None, layout: Layout, i: int) -> Any:
    if value is None:
        return None
    scale = {"万元": 1, "亿元": 1e-4, "元": 1e4}[layout.unit]
    v = value * scale
    if layout.unit == "亿元":
        v = round(v, 6)
    v = int(v) if float(v).is_integer() else v
    if not layout.numbers_as_text:
        return v
    kind = i % 3
    if kind == 0:
        return f"{v:,}"
    if kind == 1:
        return str(v).translate(FULLWIDTH)
    return f"{v}万元" if layout.unit == "万元" else f"{v}"


def _fmt_pct(value: Any, layout: Layout) -> Any:
    if value is None or isinstance(value, str):
        return value
    if layout.pct_style == "str":
        return f"{value}%"
    if layout.pct_style == "frac":
        return round(value / 100, 4)
    return value


def _report_columns(layout: Layout) -> list[Column]:
    unit = layout.unit
    cols = []
    group_of = {f: g for g, fs in REPORT_GROUPS.items() for f in fs}
    for f, names in REPORT_FIELDS.items():
        header = names[0]
        group = group_of.get(f)
        if f in ("total_investment", "annual_planned"):
            header = header.replace("万元", unit)
        if group and "万元" in group:
            group = group.replace("万元", unit)
        if layout.header_drift:
            header = header.replace("（", "(").replace("）", ")").replace("(万元)", "")
            if f == "name":
                header = "项目\n名称"
            if f == "annual_planned":
                header = "年度计划 投资"
            if group:
                group = group.replace("（", "(").replace("）", ")")
        if not layout.two_row_header and group and f in ("annual_completed", "cumulative_completed") and unit != "万元":
            header = f"{header}（{unit}）"
        cols.append(Column(f, header, group if layout.two_row_header else None))
    if layout.drop_optional:
        cols = [c for c in cols if c.field not in ("phone", "measures")]
    if layout.extra_column:
        cols.append(Column("_extra", "备注"))
    if layout.shuffle:
        cols = cols[:3] + cols[3:][::-1]
        for c in cols:
            c.group = None
    return cols


def _report_values(row: dict, cols: list[Column], layout: Layout, seq: int) -> list[Any]:
    out = []
    for i, c in enumerate(cols):
        f = c.field
        v = row.get(f)
        if f == "seq":
            v = seq
        elif f == "class":
            v = "重点建设项目" if row["class"] == "KC" else "重大前期项目"
        elif f == "project_id" and layout.no_id:
            v = None
        elif f == "name" and layout.name_variant:
            v = ("阿左旗" + v) if seq % 2 else v.replace("项目", " 项目")
        elif f == "years" and layout.years_drift:
            a, b = v.split("-")
            v = f"{a}—{b}年"
        elif f in AMOUNT_FIELDS:
            v = _fmt_amount(v, layout, seq + i)
        elif f in ("start_date", "expected_start"):
            v = _fmt_date(v, layout.date_style)
        elif f == "progress_pct":
            v = _fmt_pct(v, layout)
        elif f == "_extra":
            v = "已核实" if seq % 2 else None
        if v is None and f == "progress_pct" and row["class"] == "KC" and row.get("status") == "未开工":
            v = "—" if layout.numbers_as_text else None
        out.append(v)
    return out


def _total_row(data: list[dict], cols: list[Column], layout: Layout) -> list[Any]:
    """The 合计 row (off by 500 in 本年完成投资 on layout total_row="wrong")."""
    sums = []
    for c in cols:
        if c.field in AMOUNT_FIELDS:
            s = sum((r.get(c.field) or 0) for r in data)
            if layout.total_row == "wrong" and c.field == "annual_completed":
                s += 500
            sums.append(_fmt_amount(s, layout, 0))
        elif c.field == "name":
            sums.append("合计")
        else:
            sums.append(None)
    return sums


def _title_lines(rf: ReportFile, year: int) -> list[str]:
    layout = rf.layout
    period_str = f"{rf.period.year}年{rf.period.month}月{rf.period.day}日"
    title = f"阿拉善左旗{year}年重点建设项目进展情况表" + (f"（截至{period_str}）" if layout.period_in_title else "")
    dept_label = rf.department if layout.dept_in_meta is None else layout.dept_in_meta
    filled = rf.received - dt.timedelta(days=1)
    meta = (f"填报单位：{dept_label}（盖章）  " if dept_label else "") + \
        f"主要领导签字：{layout.signed}  填报日期：{filled.year}年{filled.month}月{filled.day}日"
    return [title] + ["（内部资料 注意保存）"] * layout.title_lines_extra + [meta]


# ---------------------------------------------------------------- one report file
def write_report(rf: ReportFile, root: Path, year: int, path: Path | None = None) -> list[dict]:
    """Write one period report; return its defects with file, sheet and cell resolved."""
    layout = rf.layout
    cols = _report_columns(layout)
    data = list(rf.rows)
    rows = [_report_values(r, cols, layout, i + 1) for i, r in enumerate(data)]
    footer = ["审核人：王主任  填报人：" + rf.liaison + "  联系电话：" + "0483-8300000"]
    if layout.notes:
        footer.append("注：本表金额单位为" + layout.unit + "，数据截至报告期。")
    total_index = None
    if layout.total_row:
        rows.append(_total_row(data, cols, layout))
        total_index = len(rows) - 1
    title_lines = _title_lines(rf, year)
    spec = TableSpec(title_lines=title_lines, columns=cols, rows=rows, footer_lines=footer,
                     two_row_header=layout.two_row_header,
                     blank_row_after=(1, 3) if layout.blank_rows else ())
    if path is None:
        stem = rf.department if rf.version == 1 else f"{rf.department}_更正"
        path = root / "reports" / rf.period.isoformat() / f"{stem}.{layout.ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    placement = _save(path, spec, layout)
    rf.rel_path = path.relative_to(root).as_posix()
    found = [{**d, "file": rf.rel_path, "sheet": REPORT_SHEET, "cell": _defect_cell(d, data, placement, title_lines),
              "department": rf.department, "period": rf.period.isoformat()} for d in rf.defects]
    if layout.total_row == "wrong":
        found.append({"rule": "TOTAL_ROW_MISMATCH", "file": rf.rel_path, "sheet": REPORT_SHEET,
                      "cell": f"{placement.col_of['annual_completed']}{placement.data_rows[total_index]}",
                      "department": rf.department, "period": rf.period.isoformat(),
                      "project_id": None, "field": "annual_completed"})
    return found


def _save(path: Path, spec: TableSpec, layout: Layout):
    """Save the table as .xls or OOXML (after an instructions sheet on layout extra_sheet)."""
    if layout.ext == "xls":
        return save_xls(path, REPORT_SHEET, spec)
    wb = new_workbook()
    ws = wb.active
    if layout.extra_sheet:
        ws.title = "填报说明"
        put(ws.cell(1, 1), "填报说明：请按模板填写，不得修改表头。")
        ws = wb.create_sheet(REPORT_SHEET)
    else:
        ws.title = REPORT_SHEET
    placement = write_table(ws, spec, styled=False)
    save_workbook(wb, path)
    return placement


def _defect_cell(d: dict, data: list[dict], placement, title_lines: list[str]) -> str | None:
    """The A1 cell of a defect recorded on the report (None for a whole-file defect)."""
    index_of = {id(r): i for i, r in enumerate(data)}
    if d["project_id"] and d["field"] and d["field"] in placement.col_of:
        i = next(index_of[id(r)] for r in data if r.get("project_id") == d["project_id"]
                 and (d["rule"] != "COMPLETED_STILL_REPORTED" or r["status"] == "已完工"))
        if d["rule"] == "COMPLETED_STILL_REPORTED":
            i = max(index_of[id(r)] for r in data if r.get("project_id") == d["project_id"])
        return placement.cell(i, d["field"])
    if d["rule"] == "PROJECT_UNKNOWN":
        i = next(index_of[id(r)] for r in data if r.get("_unknown"))
        return placement.cell(i, "name")
    if d["rule"] == "LIAISON_CHANGED":
        return placement.cell(0, "liaison")
    if d["rule"] == "NOT_SIGNED":
        return f"A{len(title_lines)}"
    return None


def write_manifest(folder: Path, rows: list[dict]) -> None:
    """The folder's ``_received.csv``: each file and the date it was received."""
    with atomic_path(folder / "_received.csv") as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "received"])
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["file"]))


# ---------------------------------------------------------------- rejected files
def write_rejects(s: SampleYear, root: Path) -> list[dict]:
    """Files that must be rejected whole (four kinds, once in each copy of the departments)."""
    out = []
    for c in s.copies:
        out += _rejects(s, root, c, "" if c == 0 else str(c + 1))
    return out


def _rejects(s: SampleYear, root: Path, c: int, n: str) -> list[dict]:
    """One copy's rejected files; ``n`` tells the names of later copies apart."""
    y = s.year
    out = []
    bad = root / "reports" / s.day(3, 14).isoformat() / f"损坏文件{n}.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook " + bytes(range(256)) * 4)
    out.append({"file": bad.relative_to(root).as_posix(), "reason": "corrupt"})
    wb = new_workbook()
    put(wb.active.cell(1, 1), "关于报送重点项目进展情况的说明")
    put(wb.active.cell(3, 1), "本期无变化，详见上期报表。")
    p = root / "reports" / s.day(5, 14).isoformat() / f"情况说明{n}.xlsx"
    save_workbook(wb, p)
    out.append({"file": p.relative_to(root).as_posix(), "reason": "no_table"})
    rf = ReportFile(f"旗未知事务局{n}", s.day(7, 14), s.day(7, 14), [row_at(s, s.projects[0], s.day(7, 14))], Layout())
    write_report(rf, root, y)
    out.append({"file": rf.rel_path, "reason": "unknown_department"})
    dept = s.banner.counterpart("交通运输局", c)
    rf = ReportFile(dept, s.day(7, 14), s.day(7, 14), [row_at(s, s.projects[10], s.day(7, 14))],
                    Layout(period_in_title=False))
    write_report(rf, root, y, path=root / "misc" / f"{dept}补充材料.xlsx")
    out.append({"file": rf.rel_path, "reason": "no_period"})
    return out
