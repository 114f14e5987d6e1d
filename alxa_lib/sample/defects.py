"""The injected defects, as a registry mirroring the rule registry (:mod:`alxa_lib.rules`).

``DEFECTS`` maps a rule code to a small function ``(year, copy)`` that spoils the clean period reports of a
:class:`SampleYear` so that the rule must fire (once in each copy of the departments, so a banner K
times larger has K times the defects and the same rate per file), and records where (``ReportFile.defects``, resolved to a
cell by the writer; ``SampleYear.defects`` for a report that is never written). The registry's order is
the order of injection and must not change: a defect's target is the first row no earlier defect took
(:func:`_pick`), so reordering moves defects to other rows. No injector draws a random number.

A few codes are injected elsewhere (``INJECTED_ELSEWHERE``); the toolkit's own codes (``rules.TOOLKIT_CODES``) are
not injected: ``EXTRA_COLUMN`` is an info finding on a tolerated layout (:func:`apply_tolerances`), not a defect.
"""
from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

from alxa_lib import periods as cal
from alxa_lib.sample.story import SampleYear, row_at, start_report_rows
from alxa_lib.sample.world import SAFE_TEXT, SCRIPT_TEXT, Layout, ReportFile
from alxa_lib.vocab import STARTED_STATUSES

INJECTED_ELSEWHERE = {
    "TOTAL_ROW_MISMATCH": "apply_tolerances (total_row='wrong'), recorded by writers_reports.write_report",
    "START_REPORT_LATE": "story.start_report_rows, recorded by writers_registers.write_start_reports",
    "SCHEDULE_LATE": "writers_registers.write_schedules",
    "CALIBRATION_OUTSIDE_WINDOW": "writers_registers.write_schedules",
    "INSPECTION_MISMATCH": "habits.write_inspections, in a sample written with --habits only (HABITS_ONLY)",
}
HABITS_ONLY = frozenset({"INSPECTION_MISMATCH"})  # only a --habits sample has inspection records (measures.md §12.4)


# ---------------------------------------------------------------- tolerances (not defects)
def apply_tolerances(s: SampleYear) -> None:
    """Layout drift a reader must absorb without a finding (on the same departments of every copy)."""
    P = s.day
    tweaks: list[tuple[str, dt.date, dict]] = [
        ("住建局", P(3, 28), dict(title_lines_extra=2, notes=True)),
        ("交通运输局", P(4, 14), dict(two_row_header=False)),
        ("水务局", P(4, 28), dict(header_drift=True)),
        ("工信局", P(5, 14), dict(unit="亿元")),
        ("能源局", P(5, 28), dict(unit="元")),
        ("文化旅游体育局", P(6, 14), dict(shuffle=True)),
        ("教育局", P(6, 28), dict(extra_column=True, drop_optional=True)),
        ("卫生健康委员会", P(7, 14), dict(numbers_as_text=True)),
        ("住建局", P(7, 28), dict(date_style="cn", pct_style="str")),
        ("交通运输局", P(8, 14), dict(date_style="dot", pct_style="frac")),
        ("水务局", P(8, 28), dict(date_style="slash")),
        ("工信局", P(9, 14), dict(date_style="md")),
        ("能源局", P(9, 28), dict(date_style="iso", blank_rows=True, total_row="ok")),
        ("住建局", P(10, 14), dict(total_row="wrong")),
        ("乌斯太镇", P(6, 28), dict(no_id=("*",))),
        ("巴彦浩特镇", P(7, 14), dict(name_variant=True, no_id=("*",))),
        ("农牧局", P(5, 28), dict(extra_sheet=True)),
        ("林业和草原局", P(6, 14), dict(ext="xls", two_row_header=False)),
        ("商务局", P(6, 28), dict(ext="xlsm")),
        ("民政局", P(8, 14), dict(dept_in_meta="")),
        ("自然资源局", P(8, 28), dict(period_in_title=False)),
        ("住建局", P(9, 14), dict(dept_in_meta="阿拉善左旗住房和城乡建设局")),
        ("交通运输局", P(10, 28), dict(years_drift=True, header_drift=True, numbers_as_text=True)),
    ]
    for c in s.copies:
        for dept, period, kw in tweaks:
            rf = s.report(_in(s, c, dept), period)
            for k, v in kw.items():
                if k == "dept_in_meta" and v and c:  # another spelling of the copy's own name
                    v = "阿拉善左旗" + rf.department
                setattr(rf.layout, k, v)


def _in(s: SampleYear, copy: int, dept: str) -> str:
    """The department of ``copy`` that copies the real department ``dept``."""
    return s.banner.counterpart(dept, copy)


# ---------------------------------------------------------------- choosing a target
def _add(rf: ReportFile, rule: str, pid: str | None, fld: str | None) -> None:
    rf.defects.append({"rule": rule, "project_id": pid, "field": fld})


def _search_order(s: SampleYear, dept: str) -> list[str]:
    """Where to look for a defect's target: ``dept``, the other departments of its copy, then the rest."""
    copy = s.banner.copy[dept]
    return [dept] + sorted((d for d in s.banner.names if d != dept), key=lambda d: s.banner.copy[d] != copy)


def _kc_rows(rf: ReportFile, pred) -> list[dict]:
    return [r for r in rf.rows if r["class"] == "KC" and pred(r)]


def _pick(s: SampleYear, dept: str, period: dt.date, pred, *, last: bool = False,
          file_ok=lambda rf: True) -> tuple[ReportFile, dict]:
    """A report (one that ``file_ok`` accepts) and a KC row satisfying ``pred``: the preferred
    department and period first, then other departments, then later and earlier periods (so that any
    seed finds a target)."""
    used = {(id(f), d["project_id"]) for f in s.reports for d in f.defects}
    depts = _search_order(s, dept)
    i = s.periods.index(period)
    order = [period] + [p for k in range(1, 24) for p in (s.periods[i + k] if i + k < 24 else None,
                                                          s.periods[i - k] if i - k >= 0 else None) if p]
    for per in order:
        for d in depts:
            try:
                rf = s.report(d, per)
            except KeyError:
                continue
            if not file_ok(rf):
                continue
            rows = [r for r in _kc_rows(rf, pred) if (id(rf), r["project_id"]) not in used
                    and not any(x["project_id"] == r["project_id"] for x in rf.defects)]
            if rows:
                return rf, rows[-1] if last else rows[0]
    raise LookupError(f"no row for a defect near {dept} {period}")


def _started(r: dict) -> bool:
    return r["status"] in STARTED_STATUSES and r["status"] != "已完工"


def _unstarted(r: dict) -> bool:
    return r["status"] == "未开工"


def _with_start_report(s: SampleYear) -> set[str]:
    return {r["project_id"] for r in start_report_rows(s)}


# ---------------------------------------------------------------- row defects
def unparseable_value(s: SampleYear, c: int = 0) -> None:
    """A percent written in words."""
    rf, r = _pick(s, _in(s, c, "交通运输局"), s.day(5, 28), lambda x: _started(x) and x["progress_text"])
    r["progress_pct"] = "过半"
    _add(rf, "UNPARSEABLE_VALUE", r["project_id"], "progress_pct")


def required_missing(s: SampleYear, c: int = 0) -> None:
    """Status left blank on an unstarted row."""
    rf, r = _pick(s, _in(s, c, "水务局"), s.day(4, 14), _unstarted)
    r["status"] = None
    _add(rf, "REQUIRED_MISSING", r["project_id"], "status")


def unstarted_no_reason(s: SampleYear, c: int = 0) -> None:
    rf, r = _pick(s, _in(s, c, "农牧局"), s.day(7, 14), _unstarted)
    r["unstarted_reason"] = None
    _add(rf, "UNSTARTED_NO_REASON", r["project_id"], "unstarted_reason")


def started_no_date(s: SampleYear, c: int = 0) -> None:
    """On a project without a start report, so it is not started that period."""
    with_start_report = _with_start_report(s)
    rf, r = _pick(s, _in(s, c, "工信局"), s.day(6, 28), lambda x: _started(x) and x["project_id"] not in with_start_report)
    r["start_date"] = None
    _add(rf, "STARTED_NO_DATE", r["project_id"], "start_date")


def no_progress_text(s: SampleYear, c: int = 0) -> None:
    rf, r = _pick(s, _in(s, c, "能源局"), s.day(7, 14), _started)
    r["progress_text"] = None
    r["progress_pct"] = None
    _add(rf, "NO_PROGRESS_TEXT", r["project_id"], "progress_text")


def cumulative_lt_annual(s: SampleYear, c: int = 0) -> None:
    """On the last period (no later period to disturb)."""
    rf, r = _pick(s, _in(s, c, "住建局"), s.day(12, 28), lambda x: x["status"] in STARTED_STATUSES and x["nature"] == "新建")
    r["annual_completed"] = r["cumulative_completed"] + 50
    _add(rf, "CUMULATIVE_LT_ANNUAL", r["project_id"], "cumulative_completed")


def cumulative_gt_total(s: SampleYear, c: int = 0) -> None:
    """On the last period (no later period to disturb)."""
    rf, r = _pick(s, _in(s, c, "交通运输局"), s.day(12, 28), lambda x: x["status"] in STARTED_STATUSES and x["nature"] == "续建")
    r["cumulative_completed"] = r["total_investment"] + 100
    _add(rf, "CUMULATIVE_GT_TOTAL", r["project_id"], "cumulative_completed")


def percent_out_of_range(s: SampleYear, c: int = 0) -> None:
    rf, r = _pick(s, _in(s, c, "水务局"), s.day(7, 14), lambda x: _started(x) and x["progress_text"])
    r["progress_pct"] = 120
    _add(rf, "PERCENT_OUT_OF_RANGE", r["project_id"], "progress_pct")


def date_out_of_range(s: SampleYear, c: int = 0) -> None:
    """Last year's date on a resumed project."""
    with_start_report = _with_start_report(s)
    rf, r = _pick(s, _in(s, c, "卫生健康委员会"), s.day(8, 28), lambda x: _started(x) and x["project_id"] not in with_start_report)
    r["start_date"] = r["start_date"].replace(year=s.year - 1)
    _add(rf, "DATE_OUT_OF_RANGE", r["project_id"], "start_date")


def investment_decreased(s: SampleYear, c: int = 0) -> None:
    """This year's investment lower than the previous period's (on a row that had investment then: a
    project started since reported 0 last period, and 30 less than 0 would be no decrease)."""
    before = _previous_annual(s)
    rf, r = _pick(s, _in(s, c, "能源局"), s.day(8, 14),
                  lambda x: _started(x) and (x["annual_completed"] or 0) > 200 and before.get(id(x), 0) > 30)
    r["annual_completed"] = before[id(r)] - 30
    _add(rf, "INVESTMENT_DECREASED", r["project_id"], "annual_completed")


def _previous_annual(s: SampleYear) -> dict[int, float]:
    """id(row) → the same project's 本年完成投资 in its department's previous period report."""
    out = {}
    for rf in s.reports:
        i = s.periods.index(rf.period)
        try:
            last = s.report(rf.department, s.periods[i - 1]) if rf.version == 1 and i > 0 else None
        except KeyError:  # a report never sent (MISSING_REPORT)
            last = None
        if last is None:
            continue
        prev = {x["project_id"]: x["annual_completed"] for x in last.rows}
        out.update({id(x): prev[x["project_id"]] or 0.0 for x in rf.rows if x.get("project_id") in prev})
    return out


def status_regressed(s: SampleYear, c: int = 0) -> None:
    """A started project reported 未开工 again."""
    with_start_report = _with_start_report(s)
    rf, r = _pick(s, _in(s, c, "城市管理综合执法局"), s.day(7, 28), lambda x: _started(x) and x["project_id"] not in with_start_report)
    r.update(status="未开工", start_date=None, unstarted_reason="施工单位尚未进场",
             expected_start=rf.period + dt.timedelta(days=12), progress_text=None, progress_pct=None)
    _add(rf, "STATUS_REGRESSED", r["project_id"], "status")


def completed_still_reported(s: SampleYear, c: int = 0) -> None:
    """A completed project reported once more, in the next period."""
    first, done = next((f, r) for f in s.reports if s.banner.copy[f.department] == c and f.period < s.periods[-1]
                       for r in f.rows if r["status"] == "已完工")
    nxt = s.report(first.department, cal.next_period(first.period))
    again = copy.deepcopy(done)
    nxt.rows.append(again)
    _add(nxt, "COMPLETED_STILL_REPORTED", again["project_id"], "status")


def locked_indicator_changed(s: SampleYear, c: int = 0) -> None:
    rf, r = _pick(s, _in(s, c, "吉兰泰镇"), s.day(5, 14), lambda x: True)
    r["total_investment"] = r["total_investment"] + 1000
    _add(rf, "LOCKED_INDICATOR_CHANGED", r["project_id"], "total_investment")


def project_missing(s: SampleYear, c: int = 0) -> None:
    """An unstarted project left out."""
    rf, r = _pick(s, _in(s, c, "腾格里额里斯镇"), s.day(4, 28), lambda x: _unstarted(x) and not x["annual_completed"], last=True)
    rf.rows.remove(r)
    _add(rf, "PROJECT_MISSING", r["project_id"], None)


def project_unknown(s: SampleYear, c: int = 0) -> None:
    """A row that is not in the plan."""
    rf = s.report(_in(s, c, "巴润别立镇"), s.day(6, 14))
    unknown = row_at(s, s.project(rf.rows[0]["project_id"]), s.day(6, 14))
    unknown.update(project_id=None, name=f"{rf.department}牧民定居点配套项目", status="未开工",
                   unstarted_reason="前期工作", expected_start=s.day(9, 1), annual_completed=0.0,
                   cumulative_completed=0.0, start_date=None, progress_text=None, progress_pct=None)
    unknown["_unknown"] = True
    rf.rows.append(unknown)
    _add(rf, "PROJECT_UNKNOWN", None, "name")


def name_matched(s: SampleYear, c: int = 0) -> None:
    """Every row of the files written without 项目编号 (layout ``no_id``), of every copy at once."""
    if c:
        return
    for f in s.reports:
        if f.layout.no_id:
            for x in f.rows:
                _add(f, "NAME_MATCHED", x["project_id"], "name")


def untrusted_text(s: SampleYear) -> None:
    """Not a finding: text a report must show as text, never run."""
    rf = s.report("住建局", s.day(6, 28))
    rf.rows[0]["problems"] = SCRIPT_TEXT
    rf.rows[0]["measures"] = SAFE_TEXT


# ---------------------------------------------------------------- report defects
def modified_after_submission(s: SampleYear, c: int = 0) -> None:
    """A resubmission that changes a reported value."""
    rf, _ = _pick(s, _in(s, c, "交通运输局"), s.day(6, 28), _started,
                  file_ok=lambda f: not s.resubmitted(f.department, f.period))
    v2 = ReportFile(rf.department, rf.period, rf.received + dt.timedelta(days=2), copy.deepcopy(rf.rows),
                    Layout(), version=2, liaison=rf.liaison)
    # (text, not investment: a raised figure would make the next period look like a decrease)
    r = _kc_rows(v2, _started)[0]
    r["progress_text"] = (r["progress_text"] or "") + "（更正）"
    _add(v2, "MODIFIED_AFTER_SUBMISSION", r["project_id"], "progress_text")
    s.add_report(v2)


def late_report(s: SampleYear, c: int = 0) -> None:
    for dept, period, days in [("民政局", s.day(5, 14), 3), ("教育局", s.day(7, 28), 2), ("宗别立镇", s.day(9, 14), 5)]:
        rf = s.report(_in(s, c, dept), period)
        rf.received = period + dt.timedelta(days=days)
        _add(rf, "LATE_REPORT", None, None)


def missing_report(s: SampleYear, c: int = 0) -> None:
    """One never arrives, one arrives after the next due date."""
    rf = s.report(_in(s, c, "宗别立镇"), s.day(8, 14))
    s.drop_report(rf)
    s.defects.append({"rule": "MISSING_REPORT", "file": None, "sheet": None, "cell": None,
                      "department": rf.department, "period": rf.period.isoformat(),
                      "project_id": None, "field": None})
    rf = s.report(_in(s, c, "教育局"), s.day(10, 14))
    rf.received = s.day(10, 30)
    _add(rf, "MISSING_REPORT", None, None)


def not_signed(s: SampleYear, c: int = 0) -> None:
    rf = s.report(_in(s, c, "商务局"), s.day(9, 28))
    rf.layout.signed = "否"
    _add(rf, "NOT_SIGNED", None, "signed")


def liaison_changed(s: SampleYear, c: int = 0) -> None:
    """A deputy filled in one period."""
    rf = s.report(_in(s, c, "水务局"), s.day(9, 28))
    rf.liaison = "临时填报人"
    for x in rf.rows:
        x["liaison"] = "临时填报人"
    _add(rf, "LIAISON_CHANGED", None, "liaison")


def _promise_targets(s: SampleYear, dept: str, period: dt.date, ok) -> tuple[ReportFile, dict, dt.date]:
    """An unstarted KC row, no other defect's, whose previous-period row in the same department was
    unstarted with expected start ``e_prev`` satisfying ``ok(period, e_prev)``: (report, row, e_prev)."""
    used = {(id(f), d["project_id"]) for f in s.reports for d in f.defects}
    i = s.periods.index(period)
    for per in [period] + s.periods[i + 1:] + s.periods[1:i][::-1]:
        prev_period = s.periods[s.periods.index(per) - 1]
        for d in _search_order(s, dept):
            try:
                rf, prev = s.report(d, per), s.report(d, prev_period)
            except KeyError:
                continue
            if s.resubmitted(d, per) or s.resubmitted(d, prev_period):
                continue
            before = {r["project_id"]: r for r in prev.rows if r["class"] == "KC" and _unstarted(r)}
            for r in _kc_rows(rf, _unstarted):
                e_prev = before.get(r["project_id"], {}).get("expected_start")
                if (id(rf), r["project_id"]) not in used and not rf.defects and e_prev and ok(per, e_prev):
                    return rf, r, e_prev
    raise LookupError(f"no row for a promise defect near {dept} {period}")


def expected_start_past(s: SampleYear, c: int = 0) -> None:
    """An unstarted project whose expected start is already past on the report's due date (the
    previous report promised a later date, so the date also moved back)."""
    rf, r, e_prev = _promise_targets(s, _in(s, c, "水务局"), s.day(5, 14), lambda per, e: e > per)
    r["expected_start"] = rf.period - dt.timedelta(days=3)
    _add(rf, "EXPECTED_START_PAST", r["project_id"], "expected_start")
    _add(rf, "EXPECTED_START_MOVED_BACK", r["project_id"], "expected_start")


def expected_start_moved_back(s: SampleYear, c: int = 0) -> None:
    """An expected start brought forward by ten days or more, still after the due date."""
    rf, r, e_prev = _promise_targets(s, _in(s, c, "林业和草原局"), s.day(8, 14), lambda per, e: (e - per).days >= 10)
    r["expected_start"] = rf.period + dt.timedelta(days=5)
    _add(rf, "EXPECTED_START_MOVED_BACK", r["project_id"], "expected_start")


# ---------------------------------------------------------------- the registry, in order of injection
DEFECTS: dict[str, Callable[[SampleYear, int], None]] = {
    "UNPARSEABLE_VALUE": unparseable_value,
    "REQUIRED_MISSING": required_missing,
    "UNSTARTED_NO_REASON": unstarted_no_reason,
    "STARTED_NO_DATE": started_no_date,
    "NO_PROGRESS_TEXT": no_progress_text,
    "CUMULATIVE_LT_ANNUAL": cumulative_lt_annual,
    "CUMULATIVE_GT_TOTAL": cumulative_gt_total,
    "PERCENT_OUT_OF_RANGE": percent_out_of_range,
    "DATE_OUT_OF_RANGE": date_out_of_range,
    "INVESTMENT_DECREASED": investment_decreased,
    "STATUS_REGRESSED": status_regressed,
    "COMPLETED_STILL_REPORTED": completed_still_reported,
    "LOCKED_INDICATOR_CHANGED": locked_indicator_changed,
    "PROJECT_MISSING": project_missing,
    "PROJECT_UNKNOWN": project_unknown,
    "NAME_MATCHED": name_matched,
    "MODIFIED_AFTER_SUBMISSION": modified_after_submission,
    "LATE_REPORT": late_report,
    "MISSING_REPORT": missing_report,
    "NOT_SIGNED": not_signed,
    "LIAISON_CHANGED": liaison_changed,
    "EXPECTED_START_PAST": expected_start_past,  # (also records EXPECTED_START_MOVED_BACK on its row)
    "EXPECTED_START_MOVED_BACK": expected_start_moved_back,
}


def apply_defects(s: SampleYear) -> None:
    """Inject every registered defect, in the registry's order, once in each copy of the departments."""
    for code, inject in DEFECTS.items():
        if code == "MODIFIED_AFTER_SUBMISSION":
            untrusted_text(s)  # not a defect; placed before the resubmission, which may copy its rows
        for c in s.copies:
            inject(s, c)
