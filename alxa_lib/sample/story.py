"""The year's story: when each project starts, stalls, stops or completes, and what it reports each period.

The story (docs/measures.md, issue 2): winter stop, continuing projects resume in March/April, new
projects start April–October so the Banner passes 70 % around end of June with a few departments
lagging; some stall, one stops right after starting, a few never start.

Every random draw of the year comes from ``SampleYear.rng`` in a fixed order (plan, story, report
receipt dates, then the schedules' receipt dates): moving a draw changes every later figure.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from alxa_lib import periods as cal
from alxa_lib.sample.banner import build_banner
from alxa_lib.sample.world import (
    DELAY_REASONS,
    LIAISONS,
    Layout,
    Project,
    ReportFile,
    build_plan,
)
from alxa_lib.vocab import PROCEDURES


class SampleYear:
    """The state of one synthetic year: its projects, story, adjustments and period reports."""

    def __init__(self, year: int = 2025, seed: int = 7, scale: int = 1, stress: str | None = None):
        self.year, self.seed, self.stress = year, seed, stress
        self.believed: dict[str, dt.date | None] = {}  # pid → the start its department believes in (stress worlds)
        self.banner = build_banner(scale)
        self.rng = random.Random(seed)
        self.periods = cal.periods(year)
        self.liaison = {d: LIAISONS[i % len(LIAISONS)] for i, d in enumerate(self.banner.names)}
        self.phone = {d: f"0483-83{i:05d}" for i, d in enumerate(self.banner.names)}
        self.defects: list[dict] = []  # defects that belong to no written file (a report never sent)
        self.reports: list[ReportFile] = []  # (add and drop through add_report / drop_report: they keep the index)
        self._report_index: dict[tuple[str, dt.date, int], ReportFile] = {}
        self.adjustments: list[dict] = []
        self.replaced: dict[str, dt.date] = {}  # pid → approval date of its replacement
        self.indicator_change: dict[str, dt.date] = {}  # pid → approval date of its new annual figure
        self.adjusted_in: dict[str, dt.date] = {}  # pid → approval date of its adjustment into the plan
        self.projects: list[Project] = build_plan(self.rng, year, self.banner)
        build_story(self)

    @property
    def copies(self) -> range:
        """The copies of the real banner's departments (one at scale 1; docs/architecture.md §11)."""
        return range(self.banner.scale)

    def day(self, month: int, day: int) -> dt.date:
        """A date in the sample year."""
        return dt.date(self.year, month, day)

    def in_plan(self, p: Project, day: dt.date) -> bool:
        if p.pid in self.replaced and day >= self.replaced[p.pid]:
            return False
        if p.pid in self.adjusted_in and day < self.adjusted_in[p.pid]:
            return False
        return True

    def annual_planned(self, p: Project, day: dt.date) -> float | None:
        if p.annual_new is not None and day >= self.indicator_change[p.pid]:
            return p.annual_new
        return p.annual

    def project(self, pid: str) -> Project:
        return next(p for p in self.projects if p.pid == pid)

    def report(self, dept: str, period: dt.date, version: int = 1) -> ReportFile:
        return self._report_index[(dept, period, version)]

    def add_report(self, rf: ReportFile) -> None:
        self.reports.append(rf)
        self._report_index[(rf.department, rf.period, rf.version)] = rf

    def resubmitted(self, dept: str, period: dt.date) -> bool:
        """Whether the department's report of the period has a second version."""
        return (dept, period, 2) in self._report_index

    def drop_report(self, rf: ReportFile) -> None:
        self.reports.remove(rf)
        del self._report_index[(rf.department, rf.period, rf.version)]


# ---------------------------------------------------------------- the story, drawn once
def build_story(s: SampleYear) -> None:
    """Draw start dates, stalls, stops, completions, MP ladders and the mid-year adjustments, the
    story's events once in each copy of the departments (so their rates do not change with the scale)."""
    kcs = [p for p in s.projects if p.cls == "KC"]
    _draw_starts(s, kcs)
    if s.stress:
        _stress(s, kcs)
    by_copy = [[p for p in kcs if s.banner.copy[p.department] == c] for c in s.copies]
    news, others = [], []
    for copy_kcs in by_copy:
        news.append(_never_start(s, copy_kcs))
        others.append(_stop_stall_complete(s, copy_kcs, news[-1]))
    _draw_ladders(s)
    for c in s.copies:
        _adjust_mid_year(s, others[c], news[c][1], c)


def _draw_starts(s: SampleYear, kcs: list[Project]) -> None:
    """Planned and actual starts, the lagging departments' delays, final ratios and procedures."""
    rng, y, lagging = s.rng, s.year, set(s.banner.lagging)
    for p in kcs:
        lag = p.department in lagging
        if p.nature == "续建":
            p.planned_start = s.day(3, 15) + dt.timedelta(days=rng.randint(0, 40))
            p.actual_start = p.planned_start + dt.timedelta(days=rng.randint(-3, 8))
        else:
            r = rng.random()
            month = 4 + int(r / 0.7 * 3) if r < 0.7 else (7 + int((r - 0.7) / 0.24 * 3) if r < 0.94 else 10)
            p.planned_start = s.day(min(month, 10), rng.choice([1, 10, 15, 20]))
            p.actual_start = p.planned_start + dt.timedelta(days=rng.randint(-5, 12))
        if lag:
            p.actual_start = p.actual_start + dt.timedelta(days=rng.randint(60, 100))
            p.delay_reason = rng.choice(DELAY_REASONS)
        if p.actual_start.year > y or p.actual_start > s.day(11, 10):
            p.actual_start = None
        p.final_ratio = rng.uniform(0.75, 1.0)
        for f in PROCEDURES:
            if f in ("proc_energy", "proc_water", "proc_permit") and rng.random() < 0.25:
                p.procs[f] = "na"
            elif p.nature == "续建":
                p.procs[f] = dt.date(y - 1, 6, 1)
            else:
                base = p.actual_start or p.planned_start
                p.procs[f] = base - dt.timedelta(days=rng.randint(5, 150))


STRESS_WORLDS = ("bad_season", "stops_keeping")


def _stress(s: SampleYear, kcs: list[Project]) -> None:
    """A stress world for the forecast's backtest (docs/measures.md §11.7), drawn from its own generator so the
    ordinary year's draws are untouched. Departments promise the start they believe in (``s.believed``, the
    ordinary year's start) while the true start comes later:
    ``bad_season`` — every department slips more (a shared delay per department plus one per project);
    ``stops_keeping`` — the keeper with the most projects due after May keeps its early promises, then its
    projects planned from June on start one and a half to four months late, or not this year."""
    if s.stress not in STRESS_WORLDS:
        raise ValueError(f"unknown stress world {s.stress!r}; one of {STRESS_WORLDS}")
    rng, late = random.Random(f"stress-{s.stress}-{s.seed}"), s.day(11, 10)
    if s.stress == "bad_season":
        dept_delay = {d: rng.randint(10, 40) for d in s.banner.names}
        chosen = [p for p in kcs if p.actual_start]
        delays = {p.pid: dept_delay[p.department] + rng.randint(0, 30) for p in chosen}
    else:
        june = s.day(6, 1)
        keepers = [d for d in s.banner.names if s.banner.promise_kind(d) == "keeper" and d not in s.banner.lagging]
        dept = max(keepers, key=lambda d: (sum(1 for p in kcs if p.department == d and p.planned_start >= june), d))
        chosen = [p for p in kcs if p.department == dept and p.actual_start and p.planned_start >= june]
        delays = {p.pid: rng.randint(45, 120) for p in chosen}
    for p in chosen:
        s.believed[p.pid] = p.actual_start
        start = p.actual_start + dt.timedelta(days=delays[p.pid])
        p.actual_start = start if start <= late else None
        p.delay_reason = p.delay_reason or rng.choice(DELAY_REASONS)


def _never_start(s: SampleYear, kcs: list[Project]) -> list[Project]:
    """Never started: three new projects with planned starts in May–June. Returns the May–June new
    projects (the never-started ones are ``[1:5]`` of it)."""
    lagging = set(s.banner.lagging)
    new_mid = [p for p in kcs if p.nature == "新建" and p.department not in lagging
               and p.planned_start and 5 <= p.planned_start.month <= 6]
    for p in new_mid[1:5]:
        p.actual_start = None
        p.delay_reason = s.rng.choice(DELAY_REASONS)
        p.procs["proc_land"] = None
    return new_mid


def _stop_stall_complete(s: SampleYear, kcs: list[Project], new_mid: list[Project]) -> list[Project]:
    """One stops right after starting (開工即停工), three stall in summer, four complete. Returns the
    projects started before June other than the stopped one."""
    started = [p for p in kcs if p.actual_start and p.actual_start < s.day(6, 1)
               and p.department not in s.banner.lagging and p not in new_mid[1:5]]
    # (a later copy of the departments, drawn afresh, may lack a new project started in May)
    stop = ([p for p in started if p.nature == "新建" and p.actual_start.month == 5]
            or [p for p in started if p.nature == "新建"] or started)[0]
    stop.stop_on = stop.actual_start + dt.timedelta(days=12)
    stop.delay_reason = "资金未落实"
    others = [p for p in started if p is not stop]
    for p in others[2:5]:
        p.stall = (s.day(7, 10), s.day(9, 10))
    for p in others[8:12]:
        p.completed_on = s.day(9, 20) + dt.timedelta(days=s.rng.randint(0, 40))
        p.final_ratio = 1.0
    return others


def _draw_ladders(s: SampleYear) -> None:
    """MP stage ladders: the stage at year start, the target, the dates of each step up."""
    rng, y = s.rng, s.year
    for p in s.projects:
        if p.cls != "MP":
            continue
        p.stage0 = rng.randint(1, 3)
        p.stage_target = min(5, p.stage0 + 2)
        p.stage_steps = sorted(dt.date(y, rng.randint(3, 11), rng.randint(1, 28)) for _ in range(p.stage_target - p.stage0))
        if rng.random() < 0.3 and p.stage_steps:
            p.stage_steps = p.stage_steps[:-1]  # misses its target
        for f in PROCEDURES:
            p.procs[f] = rng.choice([dt.date(y - 1, 9, 1), dt.date(y, rng.randint(2, 11), 5), None, "na"])


def _adjust_mid_year(s: SampleYear, others: list[Project], x: Project, copy: int = 0) -> None:
    """Mid-year adjustment (Art. 5): an indicator change and a replacement of ``x``, approved in June
    (one of each in each copy of the departments)."""
    y, n = s.year, 10 * copy  # approval numbers 88/91, then 98/101 … in later copies
    z = [p for p in others if p.nature == "续建"][0]
    z.annual_new = float(round(z.annual * 0.8))
    s.adjustments.append({"project_id": z.pid, "adj_type": "调整指标", "indicator": "年度计划投资",
                          "old_value": z.annual, "new_value": z.annual_new, "replacement_id": "",
                          "approval_no": f"阿左政字〔{y}〕{88 + n}号", "approval_date": s.day(6, 20)})
    yp = Project(pid=f"{y}-ZD-T{copy + 1:02d}", name=f"{x.location}应急物资储备库项目", department=x.department, cls="KC",
                 nature="新建", invest_type="政府投资", location=x.location, sector=x.sector,
                 years=(y, y + 1), total=6000.0, prior=0.0, annual=3000.0, planned_start=s.day(7, 15),
                 unit=x.unit, leader=x.leader, scale="新建储备库及配套设施", adjusted_in=True)
    yp.actual_start = s.day(7, 20)
    yp.final_ratio = 0.9
    yp.procs = {f: s.day(7, 1) for f in PROCEDURES}
    s.projects.append(yp)
    s.adjustments.append({"project_id": x.pid, "adj_type": "替换", "indicator": "", "old_value": "",
                          "new_value": "", "replacement_id": yp.pid,
                          "approval_no": f"阿左政字〔{y}〕{91 + n}号", "approval_date": s.day(6, 25)})
    s.replaced[x.pid] = s.day(6, 25)
    s.indicator_change[z.pid] = s.day(6, 20)
    s.adjusted_in[yp.pid] = s.day(6, 25)


# ---------------------------------------------------------------- state at a due date
def annual_at(s: SampleYear, p: Project, day: dt.date) -> float:
    """This year's completed investment of KC project ``p`` as of ``day`` (the trajectory)."""
    if not p.actual_start or day < p.actual_start:
        return 0.0
    end = p.completed_on or s.day(11, 15)
    if p.stop_on and day >= p.stop_on:
        day = p.stop_on
    if p.stall and p.stall[0] <= day <= p.stall[1]:
        day = p.stall[0]
    span = max(1, (end - p.actual_start).days)
    frac = min(1.0, max(0.0, (day - p.actual_start).days / span))
    # the curve follows the lower of the two plans, so the June indicator cut never lowers a reported figure
    base = min(p.annual, p.annual_new) if p.annual_new is not None else p.annual
    return float(round(base * p.final_ratio * frac))


def stage_at(p: Project, day: dt.date) -> int:
    """The (1-based) stage MP project ``p`` has completed by ``day``."""
    return p.stage0 + sum(1 for s in p.stage_steps if s <= day)


def _procedure_states(p: Project, day: dt.date) -> dict[str, str]:
    out = {}
    for f, done in p.procs.items():
        if done == "na":
            out[f] = "不涉及"
        elif done is not None and done <= day:
            out[f] = "已办结"
        elif done is not None and (done - day).days <= 60:
            out[f] = "办理中"
        else:
            out[f] = "未办理" if done is not None or p.cls == "MP" else "办理中"
    return out


def row_at(s: SampleYear, p: Project, day: dt.date) -> dict:
    """The canonical row a department reports for ``p`` as of due date ``day`` (clean)."""
    row: dict[str, Any] = {
        "project_id": p.pid, "name": p.name, "class": p.cls, "nature": p.nature,
        "total_investment": p.total, "annual_planned": s.annual_planned(p, day),
        "years": f"{p.years[0]}-{p.years[1]}", "liaison": s.liaison[p.department],
        "phone": s.phone[p.department], "annual_completed": None, "cumulative_completed": None,
        "status": None, "start_date": None, "expected_start": None, "unstarted_reason": None,
        "current_stage": None, "progress_text": None, "progress_pct": None, "problems": None,
        "measures": None,
    }
    row.update(_procedure_states(p, day))
    if p.cls == "MP":
        row["current_stage"] = p.ladder[stage_at(p, day) - 1]
        row["progress_text"] = f"正在推进{p.ladder[min(4, stage_at(p, day))]}相关工作"
        return row
    annual = annual_at(s, p, day)
    row["annual_completed"] = annual
    row["cumulative_completed"] = p.prior + annual
    started = p.actual_start is not None and day >= p.actual_start
    if started:
        row["start_date"] = p.actual_start
        if p.completed_on and day >= p.completed_on:
            row.update(status="已完工", progress_text="项目已完工，正在办理竣工验收", progress_pct=100)
        elif p.stop_on and day >= p.stop_on:
            row.update(status="停工", progress_text="因资金未落实暂停施工", progress_pct=5,
                       problems="工程款拨付不到位，施工单位停工", measures="协调财政局落实资金")
        elif day >= s.day(11, 28):
            row.update(status="停工", progress_text="冬季停工，已完成年度主体工程",
                       progress_pct=int(min(95, 40 + annual / max(1, row["annual_planned"]) * 50)))
        else:
            pct = int(min(95, 5 + annual / max(1.0, row["annual_planned"]) * 90))
            works = ["基础施工", "主体施工", "设备安装", "附属工程"][min(3, pct // 25)]
            row.update(status="已复工" if p.nature == "续建" else "已开工",
                       progress_text=f"完成主体工程{pct}%，正在进行{works}",
                       progress_pct=max(pct, 2))
    else:
        row["status"] = "未开工"
        winter = day <= s.day(3, 15)
        if p.nature == "续建" and winter:
            row["unstarted_reason"] = "冬休未复工"
        elif p.planned_start and day < p.planned_start and not p.delay_reason:
            row["unstarted_reason"] = "未到计划开工时间"
        else:
            row["unstarted_reason"] = p.delay_reason or "前期手续办理中"
        row["expected_start"] = promise(s, p, day)
        if p.delay_reason and p.planned_start <= day:
            row["problems"] = p.delay_reason
            row["measures"] = "加快办理相关手续，争取尽快开工"
    return row


def promise(s: SampleYear, p: Project, day: dt.date) -> dt.date:
    """The expected start date an unstarted KC project ``p`` reports at due date ``day``, by its
    department's promise behaviour (``banner.PROMISE_BEHAVIOUR``; docs/measures.md §11.1). Always after
    ``day`` and inside the year, so a clean report raises no EXPECTED_START_* finding."""
    kind = s.banner.promise_kind(p.department)
    actual, planned, step = s.believed.get(p.pid, p.actual_start), p.planned_start, dt.timedelta
    if kind == "slipper":  # a fortnight ahead, a month before the true date at best: moved every period
        expect = max(day + step(days=15), min(actual or planned, planned) - step(days=30))
        if actual and (actual - day).days <= 15:
            expect = actual
    elif kind == "last_minute":  # the planned date, pushed a month only when it is about to fall due
        expect = planned
        while (expect - day).days <= 5 and (actual is None or expect < actual):
            expect += step(days=30)
        expect = min(expect, actual) if actual else expect
    else:
        expect = actual if actual and actual > day else (planned if planned > day else day + step(days=30))
    return max(day + step(days=1), min(expect, s.day(12, 31)))


# ---------------------------------------------------------------- what is delivered
def build_reports(s: SampleYear) -> None:
    """Every department's clean report for every period (a completed project is reported once)."""
    rng = s.rng
    completed_reported: set[str] = set()
    projects_of: dict[str, list[Project]] = {d: [] for d in s.banner.names}
    for p in s.projects:
        projects_of[p.department].append(p)
    for period in s.periods:
        for dept in s.banner.names:
            rows = [row_at(s, p, period) for p in projects_of[dept]
                    if s.in_plan(p, period) and p.pid not in completed_reported]
            for r in rows:
                if r["status"] == "已完工":
                    completed_reported.add(r["project_id"])
            received = period - dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3]))
            s.add_report(ReportFile(dept, period, received, rows, Layout(), liaison=s.liaison[dept]))


def start_report_rows(s: SampleYear) -> list[dict]:
    """Start reports for about half of the starts, deterministic from the pid; the sixth of each copy of
    the departments is sent three days late (START_REPORT_LATE)."""
    out = []
    for p in s.projects:
        if p.cls != "KC" or not p.actual_start or int(p.pid[-2:]) % 2:
            continue
        out.append({"project_id": p.pid, "name": p.name, "department": p.department,
                    "start_type": "复工" if p.nature == "续建" else "开工", "start_date": p.actual_start,
                    "reported": p.actual_start})
    for c in s.copies:
        late = [r for r in out if s.banner.copy[r["department"]] == c][5:6]
        for r in late:
            r["reported"] = r["start_date"] + dt.timedelta(days=3)  # START_REPORT_LATE
    return out
