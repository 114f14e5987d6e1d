"""Checks of report parameters against the ledger, before any kernel starts (one clear line each)."""
from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from alxa_lib import ledger
from alxa_lib import periods as cal
from alxa_lib.errors import NoData, OutputError, UnknownDepartment, UnknownProject
from alxa_lib.ledger import queries
from alxa_lib.workbooks.meta import resolve_department


def require_year(db, year: int) -> None:
    """NoData unless the ledger holds a plan or a report of ``year``."""
    con = ledger.connect(db, read_only=True)
    try:
        require_year_on(con, year)
    finally:
        con.close()


def require_year_on(con: queries.Connection, year: int) -> None:
    """``require_year`` on a connection already open (a reading command opens the ledger once)."""
    years = queries.years_with_data(con)
    if year not in years:
        have = "、".join(str(y) for y in sorted(years)) or "无"
        raise NoData(f"台账中没有{year}年的数据（已有：{have}）",
                     f"the ledger holds no data for {year} (it has: {have.replace('、', ', ')})")
    if not queries.has_plan(con, year):  # reports without their plan: no figure is right, none is given
        raise NoData(f"{year}年计划未入库：请先导入{year}年度计划（已入库的报表在计划入库后自动重新对应）",
                     f"the {year} plan is not in the ledger: ingest it first (the reports already stored are "
                     f"matched again when it arrives)")


def require_reports(db, first: dt.date, last: dt.date, what_cn: str, what_en: str) -> None:
    """NoData unless the ledger holds the year of ``last`` (``require_year``) and a period report dated
    ``first``..``last`` (withdrawn ones do not count); one connection for both."""
    con = ledger.connect(db, read_only=True)
    try:
        require_year_on(con, last.year)
        have = queries.report_periods(con)
    finally:
        con.close()
    if not any(first <= p <= last for p in have):
        near = "、".join(p.isoformat() for p in sorted(have, key=lambda p: abs(p - last))[:2]) or "无"
        raise NoData(f"台账中没有{what_cn}的报表（最近的报表期：{near}）",
                     f"the ledger holds no report for {what_en} (nearest periods: {near.replace('、', ', ')})")


def require_quarter(db, year: int, q: int) -> None:
    first = dt.date(year, 3 * q - 2, 1)
    require_reports(db, first, cal.quarter_end(year, q), f"{year}年第{q}季度", f"{year}Q{q}")


def require_month(db, year: int, month: int) -> None:
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    require_reports(db, first, last, f"{year}年{month}月", f"{year}-{month:02d}")


def _plan(db, day: dt.date):
    con = ledger.connect(db, read_only=True)
    try:
        return queries.plan_in_force(con, day)
    finally:
        con.close()


def _close(word: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(word, choices, n=3, cutoff=0.3)
    return "、".join(near)


def department(db, name: str, day: dt.date) -> str:
    """The canonical department for ``name`` (alias table first), which must have projects in the plan."""
    plan = _plan(db, day)
    known = sorted(set(plan["department"].dropna()))
    canon = resolve_department(name) or name.strip()
    if canon in known:
        return canon
    hint = _close(canon, known)
    raise UnknownDepartment(f"计划中没有单位“{name}”" + (f"，是否指：{hint}" if hint else ""),
                            f"no department {name!r} in the plan" + (f"; did you mean {hint.replace('、', ', ')}?"
                                                                        if hint else ""))


def projects(db, ids: list[str], day: dt.date) -> list[str]:
    """``ids`` unchanged when every one is in the plan in force on ``day``; else UnknownProject with close ids."""
    plan = _plan(db, day)
    known = set(plan["project_id"].dropna())
    unknown = [i for i in ids if i not in known]
    if not unknown:
        return list(ids)
    names = dict(zip(plan["project_id"], plan["name"]))
    hints = []
    for i in unknown:
        typo = i.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")  # 0/O, 1/l/I mix-ups
        near = [typo] if typo in known else []
        near += [p for p in difflib.get_close_matches(i, sorted(known), n=2, cutoff=0.5) if p not in near]
        near += [pid for pid, n in names.items() if isinstance(n, str) and i in n][:2]
        shown = "、".join(f"{p} {names.get(p) or ''}".strip() for p in near) or "无相近项目"
        hints.append(f"{i}（{shown}）")
    raise UnknownProject(f"{day}的计划中没有这些项目：{'；'.join(hints)}",
                         f"not in the plan in force on {day}: {', '.join(unknown)}")


def output_folder(out: Path | str) -> Path:
    """``out`` as a folder that can be written (created when missing)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise OutputError(f"输出路径 {path} 是文件，应为文件夹", f"the output path {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".alxa-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"无法写入输出文件夹 {path}：{exc.strerror or exc}",
                          f"cannot write to the output folder {path}: {exc.strerror or exc}") from None
    return path

