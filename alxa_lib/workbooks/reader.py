"""Read the five workbook kinds as they arrive (shared/workbooks.md) into canonical DataFrames.

``read_workbook(path)`` detects the kind from the content, finds each table by its headers, converts
every cell (amounts to 万元, dates to dates, synonyms to canonical words) and returns a
:class:`ReadResult` with the tables and the cell-level findings. A file that cannot be used at all
raises :class:`RejectedFile` with a bilingual one-line reason.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from alxa_lib import periods as cal
from alxa_lib import params
from alxa_lib.workbooks.cells import (a1, fold, header_unit, is_empty, norm_header, parse_date, parse_number, parse_percent,
                    parse_procedure, parse_stage, parse_status, parse_years, UNIT_SCALE)
from alxa_lib.rules import finding
from alxa_lib.vocab import (AMOUNT_FIELDS, CLASS, DATE_FIELDS, INVEST_TYPE, NATURE, PLAN_FIELDS, PROCEDURES,
                    REGISTER_SHEET_NAMES, REGISTER_SHEETS, REPORT_FIELDS, SCHEDULE_FIELDS, START_FIELDS)

KINDS = ("plan", "schedule", "report", "start_report", "registers")
KIND_CN = {"plan": "年度计划", "schedule": "倒排工期计划", "report": "重点建设项目表", "start_report": "开复工报送表",
           "registers": "登记簿"}


class RejectedFile(Exception):
    """A file that is rejected whole; ``reason`` is a stable code, ``str()`` the bilingual message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class Table:
    """One table found in a sheet."""
    sheet: str
    header_row: int  # 0-based row of the (first) header row
    data_start: int
    columns: dict[str, int]  # field -> 0-based column
    units: dict[str, float]  # field -> scale to 万元
    extra: list[tuple[int, str]] = field(default_factory=list)

    def cell(self, field_name: str, row: int) -> str | None:
        return a1(self.columns[field_name], row) if field_name in self.columns else None

    def letters(self) -> dict[str, str]:
        """Field → column letter, stored with the rows so later findings can name their cell."""
        return {f: re.sub(r"\d+", "", a1(c, 0)) for f, c in self.columns.items()}


@dataclass
class ReadResult:
    path: Path
    kind: str
    department: str | None = None
    period: dt.date | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    col_refs: dict[str, dict[str, str]] = field(default_factory=dict)  # frame -> field -> column letter


# ------------------------------------------------------------------ headers
_LOOKUPS: dict[int, tuple[dict[str, str], dict[str, str]]] = {}


def _lookup(fields: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, str]]:
    if id(fields) in _LOOKUPS:
        return _LOOKUPS[id(fields)]
    exact, loose = {}, {}
    for f, names in fields.items():
        for n in names:
            h = norm_header(n)
            exact.setdefault(h, f)
            loose.setdefault(re.sub(r"\(.*?\)", "", h), f)
    _LOOKUPS[id(fields)] = (exact, loose)
    return exact, loose


def _match(text: Any, lookups: tuple[dict[str, str], dict[str, str]]) -> str | None:
    h = norm_header(text)
    if not h:
        return None
    exact, loose = lookups
    return exact.get(h) or loose.get(re.sub(r"\(.*?\)", "", h))


def find_table(rows: list[list[Any]], fields: dict[str, list[str]], sheet: str, scan: int,
               min_fields: int = 3) -> Table | None:
    """Find the header (one or two rows, merged group cells) by its spellings, never by position."""
    lookups = _lookup(fields)
    best: tuple[int, Table] | None = None
    for i in range(min(scan, len(rows))):
        top = rows[i]
        if sum(1 for v in top if not is_empty(v)) < 2:
            continue
        sub = rows[i + 1] if i + 1 < len(rows) else []
        for two in (False, True):
            cols: dict[str, int] = {}
            units: dict[str, float] = {}
            extra: list[tuple[int, str]] = []
            group = None
            for c in range(max(len(top), len(sub) if two else 0)):
                t = top[c] if c < len(top) else None
                s = sub[c] if two and c < len(sub) else None
                if not is_empty(t):
                    group = t
                elif is_empty(s):
                    group = None
                label = s if two and not is_empty(s) else t
                if is_empty(label):
                    continue
                f = _match(label, lookups)
                if f is None and two and not is_empty(s) and group is not None:
                    f = _match(f"{fold(group)}{fold(s)}", lookups)
                if f is None:
                    if not (two and not is_empty(t) and c + 1 < len(sub) and not is_empty(sub[c])):
                        extra.append((c, fold(label)))
                    continue
                if f in cols:
                    continue
                cols[f] = c
                unit = header_unit(label) or (header_unit(group) if two and group is not None else None)
                units[f] = UNIT_SCALE.get(unit or "万元", 1.0)
            if two and not any(not is_empty(v) for v in sub):
                continue
            score = len(cols)
            if score >= min_fields and ("name" in cols or "project_id" in cols or "unit" in cols
                                        or "meeting_date" in cols or "date" in cols):
                table = Table(sheet, i, i + (2 if two else 1), cols, units, extra)
                if best is None or score > best[0]:
                    best = (score, table)
    return best[1] if best else None


# ------------------------------------------------------------------ workbook access
def _load_rows(path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        out = {}
        for name in wb.sheet_names:
            try:
                out[name] = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception:  # noqa: BLE001 - a chart sheet or similar: no cells to read
                out[name] = []
        return out
    except Exception as exc:  # noqa: BLE001
        text = str(exc).lower()
        if _is_encrypted(path) or "password" in text or "encrypt" in text:
            raise RejectedFile("password", f"文件有密码保护，无法读取，请去除密码后重新报送 / "
                                           f"password-protected workbook: remove the password and resend ({path.name})") from exc
        raise RejectedFile("corrupt", f"文件不是有效的Excel工作簿或已损坏，请重新导出后报送 / "
                                      f"not a valid or a corrupt spreadsheet: re-save it as .xlsx and resend ({path.name}: {exc})") from exc


def _is_encrypted(path: Path) -> bool:
    """An encrypted OOXML file is an OLE container holding an 'EncryptedPackage' stream."""
    try:
        head = path.read_bytes()[:1 << 16]
    except OSError:
        return False
    return head.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in head


_FORMULA = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*?>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>', re.S)


_CACHED = re.compile(rb"<v>[^<]*\S[^<]*</v>|<is>")


def formula_cells_without_value(path: Path) -> dict[str, set[str]]:
    """Cells holding a formula but no cached value, per sheet (formulas are never evaluated)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    out: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")]
            if not names:
                return {}
            sheet_names = _sheet_names_by_part(z)
            for n in names:
                data = z.read(n)
                if b"<f" not in data:
                    continue
                for m in _FORMULA.finditer(data):
                    if not _CACHED.search(m.group(0)):
                        out.setdefault(sheet_names.get(n, n), set()).add(m.group(1).decode())
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def _sheet_names_by_part(z: zipfile.ZipFile) -> dict[str, str]:
    try:
        wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    target = {m[0]: m[1] for m in re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
    target.update({m[1]: m[0] for m in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
        t = target.get(rid, "")
        out["xl/" + t.lstrip("/").removeprefix("xl/")] = name
    return out


# ------------------------------------------------------------------ departments and periods
def _strip_dept(text: str) -> str:
    s = re.sub(r"\s+", "", fold(text))
    s = re.sub(r"[（(]盖章[)）]|盖章", "", s)
    for prefix in ("阿拉善左旗", "阿左旗", "旗"):
        if s.startswith(prefix) and len(s) > len(prefix) + 1:
            s = s[len(prefix):]
    return s


def resolve_department(text: Any) -> str | None:
    """Canonical department for a 填报单位 or file name, through the alias table in params."""
    if is_empty(text):
        return None
    table = params.load("ingest")["departments"]
    s = _strip_dept(str(text))
    for canon, aliases in table.items():
        if s == _strip_dept(canon) or s in {_strip_dept(a) for a in aliases or []}:
            return canon
    return None


def department_from_filename(path: Path) -> str | None:
    stem = path.stem
    for part in [stem, *re.split(r"[_\-\s（(]", stem)]:
        d = resolve_department(part)
        if d:
            return d
    return None


def _meta_value(lines: list[str], key: str) -> str | None:
    for line in lines:
        m = re.search(key + r"\s*[:：]\s*([^\s：:]*?)(?=\s|$|填报|主要|版本|报送|审核)", line)
        if m:
            return m.group(1)
    return None


def _meta_date(lines: list[str], key: str) -> dt.date | None:
    for line in lines:
        m = re.search(key + r"\s*[:：]\s*(\d{4}\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?)", line)
        if m:
            d, ok, _ = parse_date(m.group(1))
            if ok:
                return d
    return None


def _title_asof(lines: list[str]) -> dt.date | None:
    for line in lines:
        m = re.search(r"截[至止]\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", fold(line))
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _title_year(lines: list[str]) -> int | None:
    for line in lines:
        m = re.search(r"(\d{4})\s*年", line)
        if m:
            return int(m[1])
    return None


def _folder_period(path: Path) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", path.parent.name)
    if not m:
        return None
    try:
        return cal.period_on_or_after(dt.date(int(m[1]), int(m[2]), int(m[3])))
    except ValueError:
        return None


def _text_lines(rows: list[list[Any]], upto: int) -> list[str]:
    return ["  ".join(fold(v) for v in r if not is_empty(v)) for r in rows[:upto]]


# ------------------------------------------------------------------ kind detection
_KIND_FIELDS = {"plan": PLAN_FIELDS, "schedule": SCHEDULE_FIELDS, "report": REPORT_FIELDS, "start_report": START_FIELDS}


def detect_kind(sheets: dict[str, list[list[Any]]], scan: int) -> tuple[str, dict[str, Table]]:
    reg_hits = [n for n in sheets if any(key in fold(n) for key in REGISTER_SHEET_NAMES.values())]
    if len(reg_hits) >= 2 or (reg_hits and len(sheets) == 1):
        return "registers", {}
    found: dict[str, tuple[int, str, Table]] = {}
    for name, rows in sheets.items():
        for kind, fields in _KIND_FIELDS.items():
            t = find_table(rows, fields, name, scan)
            if t is None:
                continue
            cols = set(t.columns)
            if kind == "schedule" and not any(c.startswith("q") for c in cols):
                continue
            if kind == "report" and not cols & {"status", "annual_completed", "cumulative_completed"}:
                continue
            if kind == "start_report" and ("start_type" not in cols or cols & {"status", "annual_completed"}):
                continue
            if kind == "plan" and ("department" not in cols or cols & {"status", "annual_completed"}):
                continue
            score = len(cols)
            if kind not in found or score > found[kind][0]:
                found[kind] = (score, name, t)
    for kind in ("schedule", "start_report", "report", "plan"):
        if kind in found:
            if kind == "plan":
                return kind, {n: t for n, rows in sheets.items() if (t := find_table(rows, PLAN_FIELDS, n, scan))}
            return kind, {found[kind][1]: found[kind][2]}
    raise RejectedFile("no_table", "未找到可识别的报表（表头与模板不符），请使用发改委下发的模板 / "
                                   "no recognisable table: the headers match no known template; use the DRC template")


# ------------------------------------------------------------------ row conversion
_TEXT_FIELDS = {"name", "project_unit", "leader", "location", "sector", "scale_content", "unstarted_reason",
                "progress_text", "problems", "measures", "liaison", "phone", "note", "item", "owner",
                "description", "kind", "reason", "basis", "source", "unit", "title", "approval_no", "indicator",
                "adj_type", "type", "quarter", "problem_id", "replacement_id", "start_type", "target_label",
                "old_value", "new_value"} | {f"q{i}_goal" for i in range(1, 5)}
_EXPECTED_CN = {"amount": "数字", "date": "日期", "status": "开复工状态", "procedure": "手续办理状态",
                "percent": "百分比", "stage": "项目阶段", "years": "建设年限", "class": "项目类别",
                "nature": "建设性质", "invest_type": "投资类型"}


def _convert(f: str, raw: Any, scale: float, year: int | None) -> tuple[Any, bool, str]:
    """Convert one raw cell of field ``f``; return (value, ok, expected-kind)."""
    if f in AMOUNT_FIELDS or f == "points":
        v, ok = parse_number(raw, scale)
        return (round(v, 2) if v is not None else None), ok, "amount"
    if f in DATE_FIELDS:
        v, ok, _approx = parse_date(raw, year)
        return v, ok, "date"
    if f == "status":
        v, ok = parse_status(raw)
        return v, ok, "status"
    if f in PROCEDURES:
        v, ok = parse_procedure(raw)
        return v, ok, "procedure"
    if f == "progress_pct":
        v, ok = parse_percent(raw)
        return v, ok, "percent"
    if f in ("current_stage", "target_stage") or (f.startswith("q") and f.endswith("_stage")):
        v, ok = parse_stage(raw)
        return v, ok, "stage"
    if f == "years":
        v, ok = parse_years(raw)
        return v, ok, "years"
    if f == "class":
        s = fold(raw)
        return (CLASS.get(s) or (s if s in ("KC", "MP") else None)), (is_empty(raw) or s in CLASS or s in ("KC", "MP")), "class"
    if f == "nature":
        s = fold(raw)
        return NATURE.get(s), is_empty(raw) or s in NATURE, "nature"
    if f == "invest_type":
        s = fold(raw)
        return INVEST_TYPE.get(s), is_empty(raw) or s in INVEST_TYPE, "invest_type"
    if f in ("seq",):
        return raw, True, ""
    if f == "project_id":
        s = fold(raw)
        return (s or None), True, ""
    # free text: kept as written (only trimmed), never interpreted
    if raw is None:
        return None, True, ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (dt.date,)):
        raw = raw.isoformat()
    s = str(raw).strip()
    return (s or None), True, ""


_SECTION = re.compile(r"^([一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十]+）|重点建设项目$|重大前期项目$)")
_FOOTER = re.compile(r"^(审核人|填报人|注[:：]|说明[:：]|备注[:：]|制表|单位负责人)")


def read_rows(rows: list[list[Any]], table: Table, *, year: int | None, ctx: dict, bad_formulas: set[str],
              findings: list[dict]) -> tuple[list[dict], list[dict]]:
    """Convert the table's data rows; return (rows, total rows). Unreadable cells become findings."""
    out, totals = [], []
    section_class = None
    cap = params.load("ingest")["max_rows"]
    for r in range(table.data_start, len(rows)):
        raw_row = rows[r]
        cells = {f: (raw_row[c] if c < len(raw_row) else None) for f, c in table.columns.items()}
        nonempty = [v for v in raw_row if not is_empty(v)]
        if not nonempty:
            continue
        first = fold(nonempty[0])
        name_text = fold(cells.get("name"))
        if _FOOTER.match(first) and (not name_text or _FOOTER.match(name_text)):
            break
        if _SECTION.match(first) and not fold(cells.get("project_id")) and len(nonempty) <= 2:
            section_class = "MP" if "前期" in "".join(map(fold, nonempty)) else "KC"
            continue  # a section heading such as 一、重点建设项目: it sets the class of the rows below
        label = "".join(fold(cells.get(k)) for k in ("seq", "project_id", "name") if cells.get(k) is not None)
        if re.search(r"合\s*计|总\s*计", label):
            totals.append({"_row": r + 1, **{f: cells[f] for f in cells}})
            continue
        if len(out) >= cap:
            raise RejectedFile("oversized", f"表格超过{cap}行，请拆分后报送 / more than {cap} rows: split the file and resend")
        rec: dict[str, Any] = {"_row": r + 1}
        row_ctx = dict(ctx, project_id=fold(cells.get("project_id")) or None)
        for f, raw in cells.items():
            ref = a1(table.columns[f], r)
            if ref in bad_formulas:
                findings.append(finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=ref,
                                        value="公式（无计算结果）", expected="数值", **row_ctx))
                rec[f] = None
                continue
            value, ok, expected = _convert(f, raw, table.units.get(f, 1.0), year)
            if not ok:
                findings.append(finding("UNPARSEABLE_VALUE", field=f, sheet=table.sheet, cell=ref,
                                        value=fold(raw)[:50], expected=_EXPECTED_CN.get(expected, "有效值"), **row_ctx))
                rec[f"_raw_{f}"] = fold(raw)[:200]
            rec[f] = value
        if section_class and "class" in rec and rec["class"] is None:
            rec["class"] = section_class
        elif section_class and "class" not in table.columns:
            rec["class"] = section_class
        out.append(rec)
    return out, totals


def _frame(rows: list[dict], fields: list[str]) -> pd.DataFrame:
    cols = ["_row", *fields]
    extra = sorted({k for r in rows for k in r if k.startswith("_raw_")})
    cols += extra
    return pd.DataFrame([[r.get(k) for k in cols] for r in rows], columns=cols, dtype=object)


# ------------------------------------------------------------------ the kinds
def read_workbook(path: Path | str, *, period: dt.date | None = None, department: str | None = None) -> ReadResult:
    """Read one workbook; raise :class:`RejectedFile` when it must be rejected whole."""
    path = Path(path)
    cfg = params.load("ingest")
    size_mb = path.stat().st_size / 1e6
    if size_mb > cfg["max_file_mb"]:
        raise RejectedFile("oversized", f"文件大小{size_mb:.1f}MB超过{cfg['max_file_mb']}MB上限 / "
                                        f"file of {size_mb:.1f} MB exceeds the {cfg['max_file_mb']} MB limit: remove images or split it")
    sheets = _load_rows(path)
    if not any(sheets.values()):
        raise RejectedFile("no_table", "工作簿为空，未找到报表 / the workbook is empty: no table found")
    if sum(len(r) for r in sheets.values()) > cfg["max_rows"] + 1000:
        raise RejectedFile("oversized", f"表格超过{cfg['max_rows']}行 / more than {cfg['max_rows']} rows: split the file")
    kind, tables = detect_kind(sheets, cfg["header_scan_rows"])
    bad = formula_cells_without_value(path)
    reader: Callable[..., ReadResult] = {"plan": _read_plan, "schedule": _read_schedule, "report": _read_report,
                                         "start_report": _read_start_report, "registers": _read_registers}[kind]
    return reader(path, sheets, tables, bad, period=period, department=department)


def _department(path: Path, lines: list[str], override: str | None) -> str:
    if override:
        d = resolve_department(override)
        if d:
            return d
        raise RejectedFile("unknown_department", f"未知单位“{override}” / unknown department {override!r}: "
                                                 f"add it to params/ingest.yaml departments")
    named = _meta_value(lines, "填报单位")
    d = resolve_department(named) if named else None
    d = d or department_from_filename(path)
    if d:
        return d
    shown = named or path.stem
    raise RejectedFile("unknown_department", f"无法识别填报单位“{shown}”，请使用规范的部门名称或在别名表中登记 / "
                                             f"unknown department {shown!r}: use the official name or add an alias "
                                             f"in params/ingest.yaml")


def _read_report(path, sheets, tables, bad, *, period, department) -> ReadResult:
    sheet, table, rows, lines, dept = _single_table(path, sheets, tables, department)
    asof = _title_asof(lines)
    per = period or _folder_period(path) or (cal.period_on_or_after(asof) if asof else None)
    if per is None:
        raise RejectedFile("no_period", "无法确定报表所属期次（标题无“截至…”日期，文件夹名也不是日期），"
                                        "请用 --period 指定 / no period: the title has no 截至 date and the folder is "
                                        "not named YYYY-MM-DD; pass --period")
    signed_text = _meta_value(lines, "主要领导签字")
    signed = signed_text is not None and fold(signed_text) in ("是", "已签", "已签字", "√", "✓", "签")
    signed_cell = next((a1(c, i) for i in range(table.header_row) for c, v in enumerate(rows[i])
                        if isinstance(v, str) and "主要领导签字" in v), None)
    res = ReadResult(path, "report", dept, per, meta={"signed": signed, "signed_text": signed_text,
                                                      "signed_cell": signed_cell,
                                                      "filled_date": _meta_date(lines, "填报日期"),
                                                      "title": lines[0] if lines else "", "sheet": sheet})
    ctx = {"department": dept, "period": per}
    for c, label in table.extra:
        res.findings.append(finding("EXTRA_COLUMN", field=None, sheet=sheet, cell=a1(c, table.header_row), label=label, **ctx))
    recs, totals = read_rows(rows, table, year=per.year, ctx=ctx, bad_formulas=bad.get(sheet, set()),
                             findings=res.findings)
    res.frames["report_rows"] = _frame(recs, list(REPORT_FIELDS))
    res.meta["totals"] = totals
    res.meta["units"] = table.units
    res.col_refs["report_rows"] = table.letters()
    res.meta["total_checks"] = _total_row_findings(recs, totals, table, sheet, ctx)
    return res


def _total_row_findings(recs, totals, table: Table, sheet: str, ctx: dict) -> list[dict]:
    """合计 rows are skipped, but their sums are checked against the rows (TOTAL_ROW_MISMATCH)."""
    out = []
    for t in totals[:1]:
        for f in ("total_investment", "annual_planned", "annual_completed", "cumulative_completed"):
            if f not in table.columns:
                continue
            value, ok = parse_number(t.get(f), table.units.get(f, 1.0))
            if value is None or not ok:
                continue
            expected = round(sum((r.get(f) or 0.0) for r in recs), 2)
            if abs(round(value, 2) - expected) > 0.01:
                out.append(finding("TOTAL_ROW_MISMATCH", field=f, sheet=sheet, cell=a1(table.columns[f], t["_row"] - 1),
                                   label=REPORT_FIELDS[f][0], value=round(value, 2), expected=expected, **ctx))
    return out


def _read_plan(path, sheets, tables, bad, *, period, department) -> ReadResult:
    title_year = None
    all_rows = []
    res = ReadResult(path, "plan")
    for sheet, table in tables.items():
        rows = sheets[sheet]
        lines = _text_lines(rows, table.header_row)
        title_year = title_year or _title_year(lines)
        adjusted = "调整" in sheet or "调入" in sheet
        default_cls = "MP" if ("前期" in sheet or "target_stage" in table.columns) else "KC"
        recs, _ = read_rows(rows, table, year=title_year, ctx={}, bad_formulas=bad.get(sheet, set()),
                            findings=res.findings)
        for r in recs:
            r["class"] = r.get("class") or default_cls
            r["adjusted_in"] = adjusted
            r["_sheet"] = sheet
            r["department"] = resolve_department(r.get("department")) or r.get("department")
        all_rows += recs
        res.col_refs[sheet] = table.letters()
    res.meta["year"] = title_year
    res.frames["plan_rows"] = _frame(all_rows, [*PLAN_FIELDS, "adjusted_in", "_sheet"])
    return res


def _single_table(path, sheets, tables, department) -> tuple[str, Table, list, list[str], str]:
    """The one table of a department workbook: its sheet, rows, title lines and department."""
    (sheet, table), = tables.items()
    rows = sheets[sheet]
    lines = _text_lines(rows, table.header_row)
    return sheet, table, rows, lines, _department(path, lines, department)


def _read_schedule(path, sheets, tables, bad, *, period, department) -> ReadResult:
    sheet, table, rows, lines, dept = _single_table(path, sheets, tables, department)
    label = _meta_value(lines, "版本") or ("校准" if "校准" in path.stem else "初报")
    version = "calibrated" if "校准" in label or "调整" in label else "original"
    year = _title_year(lines)
    res = ReadResult(path, "schedule", dept, None, meta={"version_label": version, "year": year,
                                                         "report_date": _meta_date(lines, "报送日期"), "sheet": sheet})
    recs, _ = read_rows(rows, table, year=year, ctx={"department": dept}, bad_formulas=bad.get(sheet, set()),
                        findings=res.findings)
    res.frames["schedule_rows"] = _frame(recs, list(SCHEDULE_FIELDS))
    res.col_refs["schedule_rows"] = table.letters()
    return res


def _read_start_report(path, sheets, tables, bad, *, period, department) -> ReadResult:
    sheet, table, rows, lines, dept = _single_table(path, sheets, tables, department)
    reported = _meta_date(lines, "报送日期")
    res = ReadResult(path, "start_report", dept, None, meta={"report_date": reported, "sheet": sheet})
    recs, _ = read_rows(rows, table, year=reported.year if reported else None, ctx={"department": dept},
                        bad_formulas=bad.get(sheet, set()), findings=res.findings)
    for r in recs:
        t = fold(r.get("start_type"))
        r["start_type"] = "复工" if "复" in t else ("开工" if t else None)
    res.frames["start_rows"] = _frame(recs, list(START_FIELDS))
    res.col_refs["start_rows"] = table.letters()
    return res


def _read_registers(path, sheets, tables, bad, *, period, department) -> ReadResult:
    res = ReadResult(path, "registers")
    scan = params.load("ingest")["header_scan_rows"]
    for key, cn in REGISTER_SHEET_NAMES.items():
        name = next((n for n in sheets if cn in fold(n)), None)
        if name is None:
            res.frames[key] = _frame([], list(REGISTER_SHEETS[key]))
            continue
        table = find_table(sheets[name], REGISTER_SHEETS[key], name, scan, min_fields=2)
        if table is None:
            res.frames[key] = _frame([], list(REGISTER_SHEETS[key]))
            continue
        recs, _ = read_rows(sheets[name], table, year=None, ctx={}, bad_formulas=bad.get(name, set()),
                            findings=res.findings)
        for r in recs:
            for k in ("unit", "owner"):
                if r.get(k):
                    r[k] = resolve_department(r[k]) or r[k]
            if r.get("points") is not None:
                r["points"] = float(r["points"])
        res.frames[key] = _frame(recs, list(REGISTER_SHEETS[key]))
    return res
