"""Read the five workbook kinds as they arrive (docs/workbooks.md) into canonical DataFrames.

``read_workbook(path)`` detects the kind from the content, finds each table by its headers, converts
every cell (amounts to 万元, dates to dates, synonyms to canonical words) and returns a
:class:`ReadResult` with the tables and the cell-level findings. A file that cannot be used at all
raises :class:`RejectedFile` with a bilingual one-line reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.errors import RejectedFile  # noqa: F401 - re-exported for callers
from alxa_lib.rules import finding
from alxa_lib.vocab import (
    PLAN_FIELDS,
    REGISTER_SHEET_NAMES,
    REGISTER_SHEETS,
    REPORT_FIELDS,
    SCHEDULE_FIELDS,
    START_FIELDS,
)
from alxa_lib.workbooks.cells import a1, fold, parse_number
from alxa_lib.workbooks.meta import (
    department_from_filename,
    folder_period,
    meta_date,
    meta_value,
    resolve_department,
    text_lines,
    title_asof,
    title_year,
)
from alxa_lib.workbooks.guard import inspect
from alxa_lib.workbooks.inspection_form import INSPECTION_FIELDS, is_form, read_form
from alxa_lib.workbooks.opening import load_rows, unusable_cells
from alxa_lib.workbooks.rows import Columns, fill_merged, frame, read_columns, read_rows
from alxa_lib.workbooks.tables import KIND_CN, KINDS, Table, detect_kind, find_table  # noqa: F401 - KIND_CN, KINDS re-exported


@dataclass
class ReadResult:
    path: Path
    kind: str
    department: str | None = None
    period: dt.date | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    findings: list[dict] = field(default_factory=list)
    col_refs: dict[str, dict[str, str]] = field(default_factory=dict)  # frame -> field -> column letter
    columns: dict[str, tuple[Columns, list[str]]] = field(default_factory=dict, repr=False)  # tables kept as columns

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table as a DataFrame; one kept as columns (a report's rows) is made into one on first use."""
        for name, (got, fields) in self.columns.items():
            if name not in self._frames:
                self._frames[name] = got.frame(fields)
        return self._frames

    def column_lists(self) -> dict[str, tuple[dict[str, list], int]]:
        """Every table as its columns (name → one value per row, as its frame holds them) and its row count,
        without making a DataFrame of a table kept as columns."""
        out = {name: got.lists(fields) for name, (got, fields) in self.columns.items()}
        for name, df in self._frames.items():
            if name not in out:
                out[name] = (dict(zip(df.columns, df.to_numpy(dtype=object).T.tolist())), len(df))
        return out

    def n_rows(self) -> int:
        return sum(len(got) for got, _ in self.columns.values()) + \
            sum(len(df) for name, df in self._frames.items() if name not in self.columns)


# ------------------------------------------------------------------ headers


def read_workbook(path: Path | str, *, period: dt.date | None = None, department: str | None = None) -> ReadResult:
    """Read one workbook; raise :class:`RejectedFile` when it must be rejected whole."""
    path = Path(path)
    cfg = params.load("ingest")
    seen = inspect(path)  # bounded: type, zip directory, DTDs, rows and columns (docs/workbooks.md §7)
    merges: dict[str, list] = {}
    sheets, hidden = load_rows(path, merges)
    if not any(sheets.values()):
        raise RejectedFile("no_table", "工作簿为空，未找到报表 / the workbook is empty: no table found")
    if is_form(sheets):  # the Commission's own 实地督查记录表, known by headers no other workbook has
        return _read_inspection(path, sheets, period)
    if sum(len(r) for r in sheets.values()) > cfg["max_rows"] + 1000:
        raise RejectedFile("oversized", f"表格超过{cfg['max_rows']}行 / more than {cfg['max_rows']} rows: split the file")
    kind, tables, also, registers = detect_kind(sheets, cfg["header_scan_rows"], hidden)
    kind = _kind_by_sender(path, sheets, kind, registers, cfg, department)
    bad = unusable_cells(path, seen.error_cells, seen.formula_parts, seen.uncached_formulas) \
        if seen.container == "zip" else {}
    if kind == "report":  # a vertically merged 联络员 or 联系电话 holds for every row it covers (§6)
        for name, table in tables.items():
            fill_merged(sheets[name], merges.get(name, ()), table, cfg.get("merged_fill", ()))
    reader: Callable[..., ReadResult] = {"plan": _read_plan, "schedule": _read_schedule, "report": _read_report,
                                         "start_report": _read_start_report, "registers": _read_registers}[kind]
    res = reader(path, sheets, registers if kind == "registers" else tables, bad, period=period, department=department)
    if also:  # a second visible sheet that looks like a report (docs/workbooks.md §6)
        res.findings.append(finding("TWO_REPORT_SHEETS", sheet=also[1], department=res.department, period=res.period,
                                    chosen=also[0], other=also[1]))
    if kind != "registers":  # register sheets in another kind's workbook are named, never read (§5)
        for name in _register_like(sheets, registers, set(tables) | set(also or ())):
            res.findings.append(finding("EXTRA_SHEET", sheet=name, department=res.department, period=res.period,
                                        name=name, kind=KIND_CN[kind]))
    return res


def _register_like(sheets: dict, registers: dict, used: set[str]) -> list[str]:
    """The sheets of a workbook, other than its table's, that hold a register or are named for one."""
    names = {t.sheet for t in registers.values()}
    names |= {n for n in sheets if any(cn in fold(n) for cn in REGISTER_SHEET_NAMES.values())}
    return [n for n in sheets if n in names and n not in used]


def _commission() -> set[str]:
    """The names under which the DRC itself sends the registers (params/ingest.yaml ``commission``)."""
    name = params.load("ingest").get("commission") or "发改委"
    return {resolve_department(name) or name}


def department_named(path: Path, sheets: dict[str, list[list[Any]]], scan: int) -> tuple[str, str] | None:
    """Why a file is a department's, not the DRC's own (docs/workbooks.md §5): it lies in a period folder,
    its name holds a department's name or alias, or a sheet says 填报单位 of a department: (Chinese, English);
    None otherwise."""
    here = folder_period(path)
    if here is not None:
        return f"期次文件夹{path.parent.name}", f"period folder {path.parent.name}"
    own = _commission()
    stem = "".join(path.stem.split())
    for canon, aliases in params.load("ingest")["departments"].items():
        if canon in own:
            continue
        for name in (canon, *(aliases or [])):
            if len(name) >= 2 and name in stem:
                return f"文件名含“{canon}”", f"the file name names {canon}"
    for rows in sheets.values():
        named = meta_value(text_lines(rows, min(scan, len(rows))), "填报单位")
        d = resolve_department(named) if named else None
        if d and d not in own:
            return f"填报单位为{d}", f"填报单位 is {d}"
    return None


def _kind_by_sender(path: Path, sheets: dict, kind: str, registers: dict, cfg: dict, department: str | None) -> str:
    """The kind decided by content and sender (docs/workbooks.md §5): registers only from the DRC; a
    workbook that holds both registers and a plan (no sender to tell them apart) is refused, never guessed."""
    if not registers:
        return kind
    sender = department_named(path, sheets, cfg["header_scan_rows"]) if not department else \
        (f"指定单位{department}", f"--department {department}")
    if kind == "registers":
        if sender:
            raise RejectedFile("registers_sender",
                               f"登记簿只能由发改委报送，本文件是部门的文件（{sender[0]}），未入库；部门请使用报表模板报送 / "
                               f"the registers come from the DRC only; this file is a department's ({sender[1]}) "
                               f"and was not stored: departments send the report template")
        return kind
    if kind in ("plan",) and not sender:
        sheets_named = "、".join(t.sheet for t in registers.values())
        raise RejectedFile("ambiguous_kind",
                           f"工作簿既像{KIND_CN[kind]}又像登记簿（工作表{sheets_named}），无法判断，请分成两个文件报送 / "
                           f"the workbook could be a {kind} or the registers (sheets {sheets_named}): "
                           f"send them as two files")
    return kind


def _department(path: Path, lines: list[str], override: str | None) -> str:
    if override:
        d = resolve_department(override)
        if d:
            return d
        raise RejectedFile("unknown_department", f"未知单位“{override}” / unknown department {override!r}: "
                                                 f"add it to params/ingest.yaml departments")
    named = meta_value(lines, "填报单位")
    d = resolve_department(named) if named else None
    d = d or department_from_filename(path)
    if d:
        return d
    from alxa_lib.workbooks.meta import department_hint
    shown, near = department_hint(named or path.stem)
    raise RejectedFile("unknown_department", f"无法识别填报单位“{shown}”" + (f"（是否指：{near}）" if near else "") +
                                             f"，请使用规范的部门名称或在别名表中登记 / unknown department {shown!r}"
                                             + (f" (did you mean {near.replace('、', ', ')}?)" if near else "") +
                                             ": use the official name or add an alias in params/ingest.yaml")


def _read_report(path, sheets, tables, bad, *, period, department) -> ReadResult:
    sheet, table, rows, lines, dept = _single_table(path, sheets, tables, department)
    asof = title_asof(lines)
    if asof is not None and asof not in cal.periods(asof.year):  # never moved to the nearest period
        near = "、".join(d.isoformat() for d in sorted(sorted(cal.periods(asof.year), key=lambda d: abs(d - asof))[:2]))
        raise RejectedFile("not_reporting_date", f"标题截至日期{asof}不是报送日期（每月14日、28日，最近的是{near}），"
                                                 f"请更正标题后重新报送 / the title's 截至 date {asof} is not a reporting "
                                                 f"date (the 14th and the 28th; nearest: {near.replace('、', ', ')}): "
                                                 f"correct the title and resend")
    per = period or folder_period(path) or (cal.period_on_or_after(asof) if asof else None)
    if per is None:
        raise RejectedFile("no_period", "无法确定报表所属期次（标题无“截至…”日期，文件夹名也不是日期），"
                                        "请用 --period 指定 / no period: the title has no 截至 date and the folder is "
                                        "not named YYYY-MM-DD; pass --period")
    signed_text = meta_value(lines, "主要领导签字")
    signed = signed_text is not None and fold(signed_text) in ("是", "已签", "已签字", "√", "✓", "签")
    signed_cell = next((a1(c, i) for i in range(table.header_row) for c, v in enumerate(rows[i])
                        if isinstance(v, str) and "主要领导签字" in v), None)
    res = ReadResult(path, "report", dept, per, meta={"signed": signed, "signed_text": signed_text,
                                                      "signed_cell": signed_cell,
                                                      "filled_date": meta_date(lines, "填报日期"),
                                                      "title": lines[0] if lines else "", "sheet": sheet})
    ctx = {"department": dept, "period": per}
    res.findings += _period_mismatch(asof, res.meta["filled_date"], per, sheet, ctx)
    if table.extra:  # every column beyond the template's, in one finding (docs/workbooks.md §6)
        labels = [label for _, label in table.extra]
        shown = "、".join(labels[:5]) + (f"等{len(labels)}列" if len(labels) > 5 else "")
        res.findings.append(finding("EXTRA_COLUMN", field=None, sheet=sheet, cell=a1(table.extra[0][0], table.header_row),
                                    label=shown, **ctx))
    got, totals = read_columns(rows, table, year=per.year, ctx=ctx, bad_cells=bad.get(sheet, {}),
                               findings=res.findings)
    res.columns["report_rows"] = (got, list(REPORT_FIELDS))
    res.meta["totals"] = totals
    res.meta["units"] = table.units
    res.col_refs["report_rows"] = table.letters()
    res.meta["total_checks"] = _total_row_findings(got, totals, table, sheet, ctx)
    return res


def _period_mismatch(asof: dt.date | None, filled: dt.date | None, per: dt.date, sheet: str, ctx: dict) -> list[dict]:
    """A 截至 date of another period, or a 填报日期 of another year, than the period the file is filed
    under (docs/workbooks.md §6): said, never silently overridden."""
    out = []
    if asof is not None and cal.period_on_or_after(asof) != per:
        out.append(finding("PERIOD_MISMATCH", field="title", sheet=sheet, label="标题截至日期", value=asof.isoformat(),
                           filed=per.isoformat(), **ctx))
    if filled is not None and filled.year != per.year:
        out.append(finding("PERIOD_MISMATCH", field="filled_date", sheet=sheet, label="填报日期",
                           value=filled.isoformat(), filed=per.isoformat(), **ctx))
    return out


def _total_row_findings(got: Columns, totals, table: Table, sheet: str, ctx: dict) -> list[dict]:
    """合计, 小计 and 总计 rows are skipped, and each one's sums checked against the rows (TOTAL_ROW_MISMATCH,
    docs/workbooks.md §6): a total agrees when it is the sum of the rows since the previous total row (a
    section's 小计), of every row above it (the 合计 at the foot), or of every row (a 合计 on top). Sums come
    from running totals, so many total rows cost no more than one."""
    from bisect import bisect_left
    from itertools import accumulate
    out = []
    if not totals:  # the usual report: no running totals to build
        return out
    rows = got.values["_row"]  # ascending sheet rows
    fields = [f for f in ("total_investment", "annual_planned", "annual_completed", "cumulative_completed")
              if f in table.columns]
    running = {f: [0.0, *accumulate((v or 0.0) for v in got.values[f])] for f in fields}
    start = 0  # the first data row after the previous total row
    for t in totals:
        above = bisect_left(rows, t["_row"])
        for f in fields:
            value, ok = parse_number(t.get(f), table.units.get(f, 1.0))
            if value is None or not ok:
                continue
            run = running[f]
            sums = [round(run[above] - run[start], 2), round(run[above], 2), round(run[-1], 2)]
            if all(abs(round(value, 2) - s) > 0.01 for s in sums):
                out.append(finding("TOTAL_ROW_MISMATCH", field=f, sheet=sheet, cell=a1(table.columns[f], t["_row"] - 1),
                                   label=REPORT_FIELDS[f][0], value=round(value, 2),
                                   expected=sums[1] if above else sums[2], **ctx))
        start = above
    return out


def _read_plan(path, sheets, tables, bad, *, period, department) -> ReadResult:
    plan_year = None
    all_rows = []
    res = ReadResult(path, "plan")
    for sheet, table in tables.items():
        rows = sheets[sheet]
        lines = text_lines(rows, table.header_row)
        plan_year = plan_year or title_year(lines)
        adjusted = "调整" in sheet or "调入" in sheet
        default_cls = "MP" if ("前期" in sheet or "target_stage" in table.columns) else "KC"
        recs, _ = read_rows(rows, table, year=plan_year, ctx={}, bad_cells=bad.get(sheet, {}),
                            findings=res.findings)
        for r in recs:
            r["class"] = r.get("class") or default_cls
            r["adjusted_in"] = adjusted
            r["_sheet"] = sheet
            r["department"] = resolve_department(r.get("department")) or r.get("department")
        all_rows += recs
        res.col_refs[sheet] = table.letters()
    res.meta["year"] = plan_year
    res.frames["plan_rows"] = frame(all_rows, [*PLAN_FIELDS, "adjusted_in", "_sheet"])
    return res


def _single_table(path, sheets, tables, department) -> tuple[str, Table, list, list[str], str]:
    """The one table of a department workbook: its sheet, rows, title lines and department."""
    (sheet, table), = tables.items()
    rows = sheets[sheet]
    lines = text_lines(rows, table.header_row)
    return sheet, table, rows, lines, _department(path, lines, department)


def _read_schedule(path, sheets, tables, bad, *, period, department) -> ReadResult:
    sheet, table, rows, lines, dept = _single_table(path, sheets, tables, department)
    label = meta_value(lines, "版本") or ("校准" if "校准" in path.stem else "初报")
    version = "calibrated" if "校准" in label or "调整" in label else "original"
    year = title_year(lines)
    res = ReadResult(path, "schedule", dept, None, meta={"version_label": version, "year": year,
                                                         "report_date": meta_date(lines, "报送日期"), "sheet": sheet})
    recs, _ = read_rows(rows, table, year=year, ctx={"department": dept}, bad_cells=bad.get(sheet, {}),
                        findings=res.findings)
    res.frames["schedule_rows"] = frame(recs, list(SCHEDULE_FIELDS))
    res.col_refs["schedule_rows"] = table.letters()
    return res


def _read_start_report(path, sheets, tables, bad, *, period, department) -> ReadResult:
    sheet, table, rows, lines, dept = _single_table(path, sheets, tables, department)
    reported = meta_date(lines, "报送日期")
    res = ReadResult(path, "start_report", dept, None, meta={"report_date": reported, "sheet": sheet})
    recs, _ = read_rows(rows, table, year=reported.year if reported else None, ctx={"department": dept},
                        bad_cells=bad.get(sheet, {}), findings=res.findings)
    for r in recs:
        t = fold(r.get("start_type"))
        r["start_type"] = "复工" if "复" in t else ("开工" if t else None)
    res.frames["start_rows"] = frame(recs, list(START_FIELDS))
    res.col_refs["start_rows"] = table.letters()
    return res


def _read_registers(path, sheets, tables, bad, *, period, department) -> ReadResult:
    """``tables``: the registers recognised by their full header sets; a sheet named for another register
    whose table lacks some columns is read too (at least two known columns), as the DRC's own file."""
    res = ReadResult(path, "registers")
    scan = params.load("ingest")["header_scan_rows"]
    for key, cn in REGISTER_SHEET_NAMES.items():
        table = tables.get(key)
        if table is None:
            name = next((n for n in sheets if cn in fold(n)), None)
            table = find_table(sheets[name], REGISTER_SHEETS[key], name, scan, min_fields=2) if name else None
        if table is None:
            res.frames[key] = frame([], list(REGISTER_SHEETS[key]))
            continue
        name = table.sheet
        recs, _ = read_rows(sheets[name], table, year=None, ctx={}, bad_cells=bad.get(name, {}),
                            findings=res.findings)
        for r in recs:
            for k in ("unit", "owner"):
                if r.get(k):
                    r[k] = resolve_department(r[k]) or r[k]
            if r.get("points") is not None:
                r["points"] = float(r["points"])
        res.frames[key] = frame(recs, list(REGISTER_SHEETS[key]))
    return res


def _read_inspection(path, sheets, period) -> ReadResult:
    """A filled 实地督查记录表 (docs/workbooks.md §9): one row per inspected project, filed under the reporting
    period it checks (its 核查期次, else --period)."""
    sheet, records, found = read_form(sheets)
    if not records:
        raise RejectedFile("no_table", "实地督查记录表中没有项目行 / the inspection record holds no project row")
    checked = {r["period"] for r in records if r.get("period")}
    per = period or (max(checked) if checked else None)
    if per is None:
        raise RejectedFile("no_period", "实地督查记录表未填写核查期次，请用 --period 指定 / the inspection record has no "
                                        "核查期次: pass --period")
    per = cal.period_on_or_after(per)
    for r in records:
        r["period"] = per
        r["department"] = resolve_department(r.get("department")) or r.get("department")
    res = ReadResult(path, "inspection", None, per, meta={"sheet": sheet, "inspected": len(records)})
    res.findings += found
    res.frames["inspection_rows"] = frame(records, list(INSPECTION_FIELDS))
    return res
