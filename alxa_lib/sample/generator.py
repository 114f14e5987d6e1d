"""A deterministic synthetic year of workbooks, in the official formats, with known defects.

``write_sample(dir, year, seed)`` lays out what the DRC receives in a year (plan, reverse schedules,
half-monthly reports with ``_received.csv`` manifests, start reports, the registers workbook) and
``truth.json``: every injected defect (file, sheet, cell, rule code) and the true figures.
The story (shared/domain.md, issue 2): winter stop, continuing projects resume in March/April, new
projects start April–October so the Banner passes 70 % around end of June with a few departments
lagging; some stall, one stops right after starting, a few never start.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alxa_lib import periods as cal
from alxa_lib.vocab import (PLAN_FIELDS, PROBLEM_KINDS, PROCEDURES, REGISTER_SHEET_NAMES, REGISTER_SHEETS,
                    REPORT_FIELDS, REPORT_GROUPS, SCHEDULE_FIELDS, STAGE_LADDERS, START_FIELDS,
                    STARTED_STATUSES, TOWNSHIPS)
from alxa_lib.workbooks.xlsx_write import Column, TableSpec, new_workbook, put, save_xls, write_table

D = dt.date
DEPARTMENTS = [  # (name, KC count, MP count)
    ("住建局", 8, 3), ("交通运输局", 7, 2), ("水务局", 6, 2), ("农牧局", 5, 1), ("林业和草原局", 4, 1),
    ("工信局", 6, 3), ("能源局", 6, 3), ("文化旅游体育局", 4, 2), ("教育局", 4, 1), ("卫生健康委员会", 3, 1),
    ("民政局", 2, 1), ("自然资源局", 2, 1), ("生态环境分局", 3, 1), ("商务局", 2, 1),
    ("城市管理综合执法局", 3, 1), ("巴彦浩特镇", 5, 1), ("乌斯太镇", 5, 2), ("吉兰泰镇", 3, 1),
    ("宗别立镇", 3, 1), ("温都尔勒图镇", 3, 0), ("腾格里额里斯镇", 3, 1), ("巴润别立镇", 3, 0),
]
LAGGING = ("农牧局", "教育局", "宗别立镇")
SECTOR_OF = {
    "住建局": "城镇化建设", "交通运输局": "基础设施", "水务局": "农牧林水", "农牧局": "农牧林水",
    "林业和草原局": "生态环境", "工信局": "煤化工/盐化工", "能源局": "清洁能源", "文化旅游体育局": "文化旅游",
    "教育局": "社会事业和民生", "卫生健康委员会": "社会事业和民生", "民政局": "社会事业和民生",
    "自然资源局": "生态环境", "生态环境分局": "生态环境", "商务局": "基础设施", "城市管理综合执法局": "城镇化建设",
}
THINGS = {
    "城镇化建设": ["老旧小区改造", "城市更新", "供热管网改造", "背街小巷提升", "保障性住房", "排水防涝"],
    "基础设施": ["公路改扩建", "农村牧区公路", "物流园区", "客运枢纽", "桥梁改建", "口岸通道"],
    "农牧林水": ["高标准农田", "饮水安全巩固", "灌区节水改造", "防洪堤", "现代牧场", "饲草料基地"],
    "生态环境": ["防沙治沙", "草原生态修复", "矿山地质环境治理", "污水处理厂提标", "固废处置中心", "国土绿化"],
    "煤化工/盐化工": ["精细化工", "盐化工循环经济", "煤焦油深加工", "氯碱扩能", "新材料", "硅基材料"],
    "清洁能源": ["风光制氢", "光伏治沙", "风电场", "储能电站", "升压站", "源网荷储一体化"],
    "文化旅游": ["景区提升", "文旅综合体", "自驾营地", "游客服务中心", "非遗展示馆", "体育公园"],
    "社会事业和民生": ["学校改扩建", "医院综合楼", "养老服务中心", "幼儿园", "疾控中心", "社区服务站"],
}
LEADERS = ["王建国", "李文华", "张海涛", "刘志强", "陈晓东", "杨国庆"]
LIAISONS = ["赵磊", "孙丽", "周杰", "吴敏", "郑伟", "冯涛", "褚娜", "卫强", "蒋芳", "沈洋", "韩冰",
            "朱琳", "秦川", "许静", "何平", "吕欣", "施雨", "张悦", "孔明", "曹阳", "严宁", "华峰"]
DELAY_REASONS = ["用地手续未办结", "资金未落实", "环评未批复", "施工图设计未完成", "招标尚未完成"]
PROBLEM_TEXTS = [  # (kind or '' to be classified, text)
    ("土地", "用地预审与选址意见书尚未批复"), ("环评", "环评报告待生态环境部门审批"),
    ("资金", "中央预算内资金尚未到位"), ("", "施工图设计需修改，影响招标"), ("招标", "招标文件审核进度慢"),
    ("", "征地拆迁涉及三户牧民尚未签约"), ("水保", "水土保持方案待批复"), ("", "项目融资贷款审批周期长"),
    ("规划", "规划选址调整需重新论证"), ("能评", "节能审查意见未出具"), ("", "其他配套条件未落实"),
]
SAFE_TEXT = "=HYPERLINK(\"http://x\",\"点击\")"  # untrusted text that must stay text
SCRIPT_TEXT = "<script>alert('x')</script>资金缺口较大"


@dataclass
class Project:
    pid: str
    name: str
    department: str
    cls: str  # KC / MP
    nature: str  # 新建 / 续建
    invest_type: str  # 政府投资 / 企业投资
    location: str
    sector: str
    years: tuple[int, int]
    total: float
    prior: float
    annual: float | None
    planned_start: dt.date | None
    unit: str = ""
    leader: str = ""
    scale: str = ""
    stage0: int = 0  # MP: index (1-based) of the stage completed at year start
    stage_target: int = 0
    stage_steps: list[dt.date] = field(default_factory=list)
    actual_start: dt.date | None = None
    stop_on: dt.date | None = None
    stall: tuple[dt.date, dt.date] | None = None
    completed_on: dt.date | None = None
    final_ratio: float = 0.9
    delay_reason: str = ""
    procs: dict[str, Any] = field(default_factory=dict)  # field -> done date, None (pending) or "na"
    adjusted_in: bool = False
    annual_new: float | None = None  # indicator change approved mid-year


@dataclass
class Layout:
    title_lines_extra: int = 0
    two_row_header: bool = True
    header_drift: bool = False
    unit: str = "万元"
    shuffle: bool = False
    extra_column: bool = False
    drop_optional: bool = False
    numbers_as_text: bool = False
    date_style: str = "excel"  # excel | cn | dot | iso | slash | md
    pct_style: str = "num"  # num | str | frac
    blank_rows: bool = False
    total_row: str = ""  # "" | ok | wrong
    notes: bool = True
    no_id: tuple[str, ...] = ()
    name_variant: bool = False
    extra_sheet: bool = False
    ext: str = "xlsx"
    dept_in_meta: str | None = None  # None → canonical name; "" → omitted (file name tells)
    period_in_title: bool = True
    signed: str = "是"
    years_drift: bool = False


@dataclass
class ReportFile:
    department: str
    period: dt.date
    received: dt.date
    rows: list[dict]
    layout: Layout
    version: int = 1
    rel_path: str = ""
    defects: list[dict] = field(default_factory=list)  # {rule, project_id, field, (row)}
    liaison: str = ""


def _d(year: int, m: int, d: int) -> dt.date:
    return dt.date(year, m, d)


class SampleYear:
    """The story and the files of one synthetic year."""

    def __init__(self, year: int = 2025, seed: int = 7):
        self.year, self.seed = year, seed
        self.rng = random.Random(seed)
        self.periods = cal.periods(year)
        self.projects: list[Project] = []
        self.liaison = {d: LIAISONS[i % len(LIAISONS)] for i, (d, _, _) in enumerate(DEPARTMENTS)}
        self.phone = {d: f"0483-83{i:05d}" for i, (d, _, _) in enumerate(DEPARTMENTS)}
        self.defects: list[dict] = []
        self.reports: list[ReportFile] = []
        self.start_reports: list[dict] = []
        self.adjustments: list[dict] = []
        self._build_plan()
        self._build_story()

    # ---------------------------------------------------------------- plan and story
    def _build_plan(self) -> None:
        rng, y = self.rng, self.year
        kc_no = mp_no = 0
        used: set[str] = set()
        for di, (dept, n_kc, n_mp) in enumerate(DEPARTMENTS):
            sector = SECTOR_OF.get(dept, rng.choice(["城镇化建设", "基础设施", "农牧林水", "社会事业和民生"]))
            home = dept if dept in TOWNSHIPS else rng.choice(TOWNSHIPS[:9])
            for k in range(n_kc + n_mp):
                cls = "KC" if k < n_kc else "MP"
                thing = THINGS[sector][k % len(THINGS[sector])]
                town = home if rng.random() < 0.6 else rng.choice(TOWNSHIPS)
                name = f"{town}{thing}项目"
                n = 2
                while name in used:
                    name = f"{town}{thing}项目（{['一', '二', '三', '四', '五'][n - 1]}期）"
                    n += 1
                used.add(name)
                if cls == "KC":
                    kc_no += 1
                    pid = f"{y}-ZD-{kc_no:03d}"
                else:
                    mp_no += 1
                    pid = f"{y}-QQ-{mp_no:03d}"
                total = float(rng.choice([3000, 5000, 8000, 12000, 20000, 35000, 60000, 120000, 250000]))
                nature = "续建" if cls == "KC" and rng.random() < 0.35 else "新建"
                start_year = y - rng.randint(1, 2) if nature == "续建" else y
                years = (start_year, start_year + rng.randint(1, 3) if nature == "续建" else y + rng.randint(0, 2))
                years = (years[0], max(years[1], y))
                prior = float(round(total * rng.uniform(0.2, 0.5))) if nature == "续建" else 0.0
                annual = float(round(min(total - prior, total * rng.uniform(0.25, 0.6)))) if cls == "KC" else None
                p = Project(pid=pid, name=name, department=dept, cls=cls, nature=nature,
                            invest_type="政府投资" if rng.random() < 0.6 else "企业投资",
                            location=f"{town}", sector=sector, years=years, total=total, prior=prior,
                            annual=annual, planned_start=None,
                            unit=f"{dept if dept not in TOWNSHIPS else '阿左旗' + dept}项目办" if rng.random() < 0.5 else f"内蒙古{thing}有限公司",
                            leader=LEADERS[di % len(LEADERS)], scale=f"建设{thing}相关工程及配套设施")
                self.projects.append(p)

    def _build_story(self) -> None:
        rng, y = self.rng, self.year
        kcs = [p for p in self.projects if p.cls == "KC"]
        for p in kcs:
            lag = p.department in LAGGING
            if p.nature == "续建":
                p.planned_start = _d(y, 3, 15) + dt.timedelta(days=rng.randint(0, 40))
                p.actual_start = p.planned_start + dt.timedelta(days=rng.randint(-3, 8))
            else:
                r = rng.random()
                month = 4 + int(r / 0.7 * 3) if r < 0.7 else (7 + int((r - 0.7) / 0.24 * 3) if r < 0.94 else 10)
                p.planned_start = _d(y, min(month, 10), rng.choice([1, 10, 15, 20]))
                p.actual_start = p.planned_start + dt.timedelta(days=rng.randint(-5, 12))
            if lag:
                p.actual_start = p.actual_start + dt.timedelta(days=rng.randint(60, 100))
                p.delay_reason = rng.choice(DELAY_REASONS)
            if p.actual_start.year > y or p.actual_start > _d(y, 11, 10):
                p.actual_start = None
            p.final_ratio = rng.uniform(0.75, 1.0)
            for f in PROCEDURES:
                if f in ("proc_energy", "proc_water", "proc_permit") and rng.random() < 0.25:
                    p.procs[f] = "na"
                elif p.nature == "续建":
                    p.procs[f] = _d(y - 1, 6, 1)
                else:
                    base = p.actual_start or p.planned_start
                    p.procs[f] = base - dt.timedelta(days=rng.randint(5, 150))
        # Never started: three new projects with planned starts in May–June.
        new_mid = [p for p in kcs if p.nature == "新建" and p.department not in LAGGING
                   and p.planned_start and 5 <= p.planned_start.month <= 6]
        for p in new_mid[1:5]:
            p.actual_start = None
            p.delay_reason = rng.choice(DELAY_REASONS)
            p.procs["proc_land"] = None
        started = [p for p in kcs if p.actual_start and p.actual_start < _d(y, 6, 1)
                   and p.department not in LAGGING and p not in new_mid[1:5]]
        # One stops right after starting (開工即停工), three stall in summer, four complete.
        stop = [p for p in started if p.nature == "新建" and p.actual_start.month == 5][0]
        stop.stop_on = stop.actual_start + dt.timedelta(days=12)
        stop.delay_reason = "资金未落实"
        others = [p for p in started if p is not stop]
        for p in others[2:5]:
            p.stall = (_d(y, 7, 10), _d(y, 9, 10))
        for p in others[8:12]:
            p.completed_on = _d(y, 9, 20) + dt.timedelta(days=rng.randint(0, 40))
            p.final_ratio = 1.0
        # MP stage ladders.
        for p in self.projects:
            if p.cls != "MP":
                continue
            p.stage0 = rng.randint(1, 3)
            p.stage_target = min(5, p.stage0 + 2)
            p.stage_steps = sorted(_d(y, rng.randint(3, 11), rng.randint(1, 28)) for _ in range(p.stage_target - p.stage0))
            if rng.random() < 0.3 and p.stage_steps:
                p.stage_steps = p.stage_steps[:-1]  # misses its target
            for f in PROCEDURES:
                p.procs[f] = rng.choice([_d(y - 1, 9, 1), _d(y, rng.randint(2, 11), 5), None, "na"])
        # Mid-year adjustment (Art. 5): an indicator change and a replacement, approved in June.
        z = [p for p in others if p.nature == "续建"][0]
        z.annual_new = float(round(z.annual * 0.8))
        self.adjustments.append({"project_id": z.pid, "adj_type": "调整指标", "indicator": "年度计划投资",
                                 "old_value": z.annual, "new_value": z.annual_new, "replacement_id": "",
                                 "approval_no": f"阿左政字〔{y}〕88号", "approval_date": _d(y, 6, 20)})
        x = new_mid[1]
        y_dept = x.department
        yp = Project(pid=f"{y}-ZD-T01", name=f"{x.location}应急物资储备库项目", department=y_dept, cls="KC",
                     nature="新建", invest_type="政府投资", location=x.location, sector=x.sector,
                     years=(y, y + 1), total=6000.0, prior=0.0, annual=3000.0, planned_start=_d(y, 7, 15),
                     unit=x.unit, leader=x.leader, scale="新建储备库及配套设施", adjusted_in=True)
        yp.actual_start = _d(y, 7, 20)
        yp.final_ratio = 0.9
        yp.procs = {f: _d(y, 7, 1) for f in PROCEDURES}
        self.projects.append(yp)
        self.adjustments.append({"project_id": x.pid, "adj_type": "替换", "indicator": "", "old_value": "",
                                 "new_value": "", "replacement_id": yp.pid,
                                 "approval_no": f"阿左政字〔{y}〕91号", "approval_date": _d(y, 6, 25)})
        self.replaced = {x.pid: _d(y, 6, 25)}
        self.indicator_change = {z.pid: _d(y, 6, 20)}
        self.adjusted_in = {yp.pid: _d(y, 6, 25)}

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

    # ---------------------------------------------------------------- state at a due date
    def _annual_at(self, p: Project, day: dt.date) -> float:
        if not p.actual_start or day < p.actual_start:
            return 0.0
        end = p.completed_on or _d(self.year, 11, 15)
        if p.stop_on and day >= p.stop_on:
            day = p.stop_on
        if p.stall and p.stall[0] <= day <= p.stall[1]:
            day = p.stall[0]
        span = max(1, (end - p.actual_start).days)
        frac = min(1.0, max(0.0, (day - p.actual_start).days / span))
        # the curve follows the lower of the two plans, so the June indicator cut never lowers a reported figure
        base = min(p.annual, p.annual_new) if p.annual_new is not None else p.annual
        return float(round(base * p.final_ratio * frac))

    def _stage_at(self, p: Project, day: dt.date) -> int:
        return p.stage0 + sum(1 for s in p.stage_steps if s <= day)

    def row_at(self, p: Project, day: dt.date) -> dict:
        """The canonical row a department reports for ``p`` as of due date ``day`` (clean)."""
        y = self.year
        row: dict[str, Any] = {
            "project_id": p.pid, "name": p.name, "class": p.cls, "nature": p.nature,
            "total_investment": p.total, "annual_planned": self.annual_planned(p, day),
            "years": f"{p.years[0]}-{p.years[1]}", "liaison": self.liaison[p.department],
            "phone": self.phone[p.department], "annual_completed": None, "cumulative_completed": None,
            "status": None, "start_date": None, "expected_start": None, "unstarted_reason": None,
            "current_stage": None, "progress_text": None, "progress_pct": None, "problems": None,
            "measures": None,
        }
        for f, done in p.procs.items():
            if done == "na":
                row[f] = "不涉及"
            elif done is not None and done <= day:
                row[f] = "已办结"
            elif done is not None and (done - day).days <= 60:
                row[f] = "办理中"
            else:
                row[f] = "未办理" if done is not None or p.cls == "MP" else "办理中"
        if p.cls == "MP":
            ladder = STAGE_LADDERS["gov" if p.invest_type == "政府投资" else "nongov"]
            row["current_stage"] = ladder[self._stage_at(p, day) - 1]
            row["progress_text"] = f"正在推进{ladder[min(4, self._stage_at(p, day))]}相关工作"
            return row
        annual = self._annual_at(p, day)
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
            elif day >= _d(y, 11, 28):
                row.update(status="停工", progress_text="冬季停工，已完成年度主体工程",
                           progress_pct=int(min(95, 40 + annual / max(1, row["annual_planned"]) * 50)))
            else:
                pct = int(min(95, 5 + annual / max(1.0, row["annual_planned"]) * 90))
                row.update(status="已复工" if p.nature == "续建" else "已开工",
                           progress_text=f"完成主体工程{pct}%，正在进行{['基础施工', '主体施工', '设备安装', '附属工程'][min(3, pct // 25)]}",
                           progress_pct=max(pct, 2))
        else:
            row["status"] = "未开工"
            winter = day <= _d(y, 3, 15)
            if p.nature == "续建" and winter:
                row["unstarted_reason"] = "冬休未复工"
            elif p.planned_start and day < p.planned_start and not p.delay_reason:
                row["unstarted_reason"] = "未到计划开工时间"
            else:
                row["unstarted_reason"] = p.delay_reason or "前期手续办理中"
            expect = p.actual_start if p.actual_start and p.actual_start > day else None
            if expect is None:
                expect = p.planned_start if p.planned_start > day else day + dt.timedelta(days=30)
                if expect.year > y or expect > _d(y, 11, 10):
                    expect = _d(y + 1, 4, 1)
            row["expected_start"] = expect
            if p.delay_reason and p.planned_start <= day:
                row["problems"] = p.delay_reason
                row["measures"] = "加快办理相关手续，争取尽快开工"
        return row

    # ---------------------------------------------------------------- period reports
    def build_reports(self) -> None:
        rng = self.rng
        completed_reported: set[str] = set()
        depts = [d for d, _, _ in DEPARTMENTS]
        for period in self.periods:
            for dept in depts:
                rows = []
                for p in self.projects:
                    if p.department != dept or not self.in_plan(p, period) or p.pid in completed_reported:
                        continue
                    rows.append(self.row_at(p, period))
                for r in rows:
                    if r["status"] == "已完工":
                        completed_reported.add(r["project_id"])
                received = period - dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3]))
                self.reports.append(ReportFile(dept, period, received, rows, Layout(),
                                               liaison=self.liaison[dept]))
        self._apply_tolerances()
        self._apply_defects()

    def report(self, dept: str, period: dt.date, version: int = 1) -> ReportFile:
        for r in self.reports:
            if r.department == dept and r.period == period and r.version == version:
                return r
        raise KeyError((dept, period, version))

    def _apply_tolerances(self) -> None:
        y = self.year
        P = lambda m, d: _d(y, m, d)  # noqa: E731
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
        for dept, period, kw in tweaks:
            rf = self.report(dept, period)
            for k, v in kw.items():
                setattr(rf.layout, k, v)

    def _add(self, rf: ReportFile, rule: str, pid: str | None, fld: str | None) -> None:
        rf.defects.append({"rule": rule, "project_id": pid, "field": fld})

    def _kc_rows(self, rf: ReportFile, pred) -> list[dict]:
        return [r for r in rf.rows if r["class"] == "KC" and pred(r)]

    def _pick(self, dept: str, period: dt.date, pred, *, last: bool = False) -> tuple[ReportFile, dict]:
        """A report and a KC row satisfying ``pred``: the preferred department and period first, then
        other departments, then later and earlier periods (so that any seed finds a target)."""
        used = {(id(f), d["project_id"]) for f in self.reports for d in f.defects}
        depts = [dept] + [d for d, _, _ in DEPARTMENTS if d != dept]
        i = self.periods.index(period)
        order = [period] + [p for k in range(1, 24) for p in (self.periods[i + k] if i + k < 24 else None,
                                                             self.periods[i - k] if i - k >= 0 else None) if p]
        for per in order:
            for d in depts:
                try:
                    rf = self.report(d, per)
                except KeyError:
                    continue
                rows = [r for r in self._kc_rows(rf, pred) if (id(rf), r["project_id"]) not in used
                        and not any(x["project_id"] == r["project_id"] for x in rf.defects)]
                if rows:
                    return rf, rows[-1] if last else rows[0]
        raise LookupError(f"no row for a defect near {dept} {period}")

    def _apply_defects(self) -> None:
        y = self.year
        P = lambda m, d: _d(y, m, d)  # noqa: E731
        started = lambda r: r["status"] in STARTED_STATUSES and r["status"] != "已完工"  # noqa: E731
        unstarted = lambda r: r["status"] == "未开工"  # noqa: E731
        with_start_report = {s["project_id"] for s in self._start_report_rows()}
        # UNPARSEABLE_VALUE: percent written in words.
        rf, r = self._pick("交通运输局", P(5, 28), lambda x: started(x) and x["progress_text"])
        r["progress_pct"] = "过半"
        self._add(rf, "UNPARSEABLE_VALUE", r["project_id"], "progress_pct")
        # REQUIRED_MISSING: status left blank on an unstarted row.
        rf, r = self._pick("水务局", P(4, 14), unstarted)
        r["status"] = None
        self._add(rf, "REQUIRED_MISSING", r["project_id"], "status")
        # UNSTARTED_NO_REASON
        rf, r = self._pick("农牧局", P(7, 14), unstarted)
        r["unstarted_reason"] = None
        self._add(rf, "UNSTARTED_NO_REASON", r["project_id"], "unstarted_reason")
        # STARTED_NO_DATE (a project without a start report, so it is not started that period)
        rf, r = self._pick("工信局", P(6, 28), lambda x: started(x) and x["project_id"] not in with_start_report)
        r["start_date"] = None
        self._add(rf, "STARTED_NO_DATE", r["project_id"], "start_date")
        # NO_PROGRESS_TEXT
        rf, r = self._pick("能源局", P(7, 14), started)
        r["progress_text"] = None
        r["progress_pct"] = None
        self._add(rf, "NO_PROGRESS_TEXT", r["project_id"], "progress_text")
        # CUMULATIVE_LT_ANNUAL and CUMULATIVE_GT_TOTAL on the last period (no later period to disturb).
        rf, r = self._pick("住建局", P(12, 28), lambda x: x["status"] in STARTED_STATUSES and x["nature"] == "新建")
        r["annual_completed"] = r["cumulative_completed"] + 50
        self._add(rf, "CUMULATIVE_LT_ANNUAL", r["project_id"], "cumulative_completed")
        rf, r = self._pick("交通运输局", P(12, 28), lambda x: x["status"] in STARTED_STATUSES and x["nature"] == "续建")
        r["cumulative_completed"] = r["total_investment"] + 100
        self._add(rf, "CUMULATIVE_GT_TOTAL", r["project_id"], "cumulative_completed")
        # PERCENT_OUT_OF_RANGE
        rf, r = self._pick("水务局", P(7, 14), lambda x: started(x) and x["progress_text"])
        r["progress_pct"] = 120
        self._add(rf, "PERCENT_OUT_OF_RANGE", r["project_id"], "progress_pct")
        # DATE_OUT_OF_RANGE: last year's date on a resumed project.
        rf, r = self._pick("卫生健康委员会", P(8, 28), lambda x: started(x) and x["project_id"] not in with_start_report)
        r["start_date"] = r["start_date"].replace(year=y - 1)
        self._add(rf, "DATE_OUT_OF_RANGE", r["project_id"], "start_date")
        # TOTAL_ROW_MISMATCH is injected by the writer on layout total_row="wrong".
        # INVESTMENT_DECREASED: annual lower than the previous period.
        def grew(x, rf_of=lambda: None):
            return started(x) and (x["annual_completed"] or 0) > 200
        rf, r = self._pick("能源局", P(8, 14), grew)
        prev_rf = self.report(rf.department, self.periods[self.periods.index(rf.period) - 1])
        prev = {x["project_id"]: x for x in prev_rf.rows}
        r["annual_completed"] = (prev.get(r["project_id"], {}).get("annual_completed") or r["annual_completed"]) - 30
        self._add(rf, "INVESTMENT_DECREASED", r["project_id"], "annual_completed")
        # STATUS_REGRESSED: a started project reported 未开工 again.
        rf, r = self._pick("城市管理综合执法局", P(7, 28), lambda x: started(x) and x["project_id"] not in with_start_report)
        r.update(status="未开工", start_date=None, unstarted_reason="施工单位尚未进场",
                 expected_start=rf.period + dt.timedelta(days=12), progress_text=None, progress_pct=None)
        self._add(rf, "STATUS_REGRESSED", r["project_id"], "status")
        # COMPLETED_STILL_REPORTED: a completed project reported once more.
        done = next(r for f in self.reports for r in f.rows if r["status"] == "已完工")
        first = next(f for f in self.reports if done in f.rows)
        nxt = self.report(first.department, cal.next_period(first.period))
        again = copy.deepcopy(done)
        nxt.rows.append(again)
        self._add(nxt, "COMPLETED_STILL_REPORTED", again["project_id"], "status")
        # LOCKED_INDICATOR_CHANGED
        rf, r = self._pick("吉兰泰镇", P(5, 14), lambda x: True)
        r["total_investment"] = r["total_investment"] + 1000
        self._add(rf, "LOCKED_INDICATOR_CHANGED", r["project_id"], "total_investment")
        # PROJECT_MISSING: an unstarted project left out.
        rf, r = self._pick("腾格里额里斯镇", P(4, 28), lambda x: unstarted(x) and not x["annual_completed"], last=True)
        rf.rows.remove(r)
        self._add(rf, "PROJECT_MISSING", r["project_id"], None)
        # PROJECT_UNKNOWN: a row that is not in the plan.
        rf = self.report("巴润别立镇", P(6, 14))
        unknown = self.row_at(self._proj(rf.rows[0]["project_id"]), P(6, 14))
        unknown.update(project_id=None, name="巴润别立镇牧民定居点配套项目", status="未开工",
                       unstarted_reason="前期工作", expected_start=P(9, 1), annual_completed=0.0,
                       cumulative_completed=0.0, start_date=None, progress_text=None, progress_pct=None)
        unknown["_unknown"] = True
        rf.rows.append(unknown)
        self._add(rf, "PROJECT_UNKNOWN", None, "name")
        # NAME_MATCHED: every row of the no-id files.
        for f in self.reports:
            if f.layout.no_id:
                for x in f.rows:
                    self._add(f, "NAME_MATCHED", x["project_id"], "name")
        # Untrusted text.
        rf = self.report("住建局", P(6, 28))
        rf.rows[0]["problems"] = SCRIPT_TEXT
        rf.rows[0]["measures"] = SAFE_TEXT
        # MODIFIED_AFTER_SUBMISSION: a resubmission that changes a reported value.
        rf, _ = self._pick("交通运输局", P(6, 28), started)
        v2 = ReportFile(rf.department, rf.period, rf.received + dt.timedelta(days=2), copy.deepcopy(rf.rows),
                        Layout(), version=2, liaison=rf.liaison)
        # (text, not investment: a raised figure would make the next period look like a decrease)
        r = self._kc_rows(v2, started)[0]
        r["progress_text"] = (r["progress_text"] or "") + "（更正）"
        self._add(v2, "MODIFIED_AFTER_SUBMISSION", r["project_id"], "progress_text")
        self.reports.append(v2)
        # LATE_REPORT
        for dept, period, days in [("民政局", P(5, 14), 3), ("教育局", P(7, 28), 2), ("宗别立镇", P(9, 14), 5)]:
            rf = self.report(dept, period)
            rf.received = period + dt.timedelta(days=days)
            self._add(rf, "LATE_REPORT", None, None)
        # MISSING_REPORT: one never arrives, one arrives after the next due date.
        rf = self.report("宗别立镇", P(8, 14))
        self.reports.remove(rf)
        self.defects.append({"rule": "MISSING_REPORT", "file": None, "sheet": None, "cell": None,
                             "department": rf.department, "period": rf.period.isoformat(),
                             "project_id": None, "field": None})
        rf = self.report("教育局", P(10, 14))
        rf.received = P(10, 30)
        self._add(rf, "MISSING_REPORT", None, None)
        # NOT_SIGNED
        rf = self.report("商务局", P(9, 28))
        rf.layout.signed = "否"
        self._add(rf, "NOT_SIGNED", None, "signed")
        # LIAISON_CHANGED: a deputy filled in one period.
        rf = self.report("水务局", P(9, 28))
        rf.liaison = "临时填报人"
        for x in rf.rows:
            x["liaison"] = "临时填报人"
        self._add(rf, "LIAISON_CHANGED", None, "liaison")

    def _proj(self, pid: str) -> Project:
        return next(p for p in self.projects if p.pid == pid)

    # ---------------------------------------------------------------- start reports
    def _start_report_rows(self) -> list[dict]:
        """Start reports for about half of the starts, deterministic from the pid."""
        out = []
        for p in self.projects:
            if p.cls != "KC" or not p.actual_start or int(p.pid[-2:]) % 2:
                continue
            out.append({"project_id": p.pid, "name": p.name, "department": p.department,
                        "start_type": "复工" if p.nature == "续建" else "开工", "start_date": p.actual_start,
                        "reported": p.actual_start})
        if out:
            out[5]["reported"] = out[5]["start_date"] + dt.timedelta(days=3)  # START_REPORT_LATE
        return out


# ======================================================================= writing
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


FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


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
    return cols


def _report_values(row: dict, cols: list[Column], layout: Layout, seq: int, year: int) -> list[Any]:
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
        elif f in ("total_investment", "annual_planned", "annual_completed", "cumulative_completed"):
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


def write_report(rf: ReportFile, root: Path, year: int, path: Path | None = None) -> list[dict]:
    """Write one period report; return its defects with file, sheet and cell resolved."""
    layout = rf.layout
    cols = _report_columns(layout)
    if layout.shuffle:
        head, tail = cols[:3], cols[3:]
        tail = tail[::-1]
        cols = head + tail
        for c in cols:
            c.group = None
    data = [r for r in rf.rows]
    rows = [_report_values(r, cols, layout, i + 1, year) for i, r in enumerate(data)]
    footer = ["审核人：王主任  填报人：" + rf.liaison + "  联系电话：" + "0483-8300000"]
    if layout.notes:
        footer.append("注：本表金额单位为" + layout.unit + "，数据截至报告期。")
    total_index = None
    if layout.total_row:
        sums = []
        for c in cols:
            if c.field in ("total_investment", "annual_planned", "annual_completed", "cumulative_completed"):
                s = sum((r.get(c.field) or 0) for r in data)
                if layout.total_row == "wrong" and c.field == "annual_completed":
                    s += 500
                sums.append(_fmt_amount(s, layout, 0))
            elif c.field == "name":
                sums.append("合计")
            else:
                sums.append(None)
        rows.append(sums)
        total_index = len(rows) - 1
    period_str = f"{rf.period.year}年{rf.period.month}月{rf.period.day}日"
    title = f"阿拉善左旗{year}年重点建设项目进展情况表" + (f"（截至{period_str}）" if layout.period_in_title else "")
    dept_label = rf.department if layout.dept_in_meta is None else layout.dept_in_meta
    filled = rf.received - dt.timedelta(days=1)
    meta = (f"填报单位：{dept_label}（盖章）  " if dept_label else "") + \
        f"主要领导签字：{layout.signed}  填报日期：{filled.year}年{filled.month}月{filled.day}日"
    title_lines = [title] + ["（内部资料 注意保存）"] * layout.title_lines_extra + [meta]
    spec = TableSpec(title_lines=title_lines, columns=cols, rows=rows, footer_lines=footer,
                     two_row_header=layout.two_row_header,
                     blank_row_after=(1, 3) if layout.blank_rows else ())
    if path is None:
        stem = rf.department if rf.version == 1 else f"{rf.department}_更正"
        path = root / "reports" / rf.period.isoformat() / f"{stem}.{layout.ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = "重点建设项目表"
    if layout.ext == "xls":
        placement = save_xls(path, sheet, spec)
    else:
        wb = new_workbook()
        ws = wb.active
        if layout.extra_sheet:
            ws.title = "填报说明"
            put(ws.cell(1, 1), "填报说明：请按模板填写，不得修改表头。")
            ws = wb.create_sheet(sheet)
        else:
            ws.title = sheet
        placement = write_table(ws, spec, styled=False)
        wb.save(path)
    rf.rel_path = path.relative_to(root).as_posix()
    found = []
    index_of = {id(r): i for i, r in enumerate(data)}
    for d in rf.defects:
        cell = None
        if d["project_id"] and d["field"] and d["field"] in placement.col_of:
            i = next(index_of[id(r)] for r in data if r.get("project_id") == d["project_id"]
                     and (d["rule"] != "COMPLETED_STILL_REPORTED" or r["status"] == "已完工"))
            if d["rule"] == "COMPLETED_STILL_REPORTED":
                i = max(index_of[id(r)] for r in data if r.get("project_id") == d["project_id"])
            cell = placement.cell(i, d["field"])
        elif d["rule"] == "PROJECT_UNKNOWN":
            i = next(index_of[id(r)] for r in data if r.get("_unknown"))
            cell = placement.cell(i, "name")
        elif d["rule"] == "LIAISON_CHANGED":
            cell = placement.cell(0, "liaison")
        elif d["rule"] == "NOT_SIGNED":
            cell = f"A{len(title_lines)}"
        found.append({**d, "file": rf.rel_path, "sheet": sheet, "cell": cell,
                      "department": rf.department, "period": rf.period.isoformat()})
    if layout.total_row == "wrong":
        found.append({"rule": "TOTAL_ROW_MISMATCH", "file": rf.rel_path, "sheet": sheet,
                      "cell": f"{placement.col_of['annual_completed']}{placement.data_rows[total_index]}",
                      "department": rf.department, "period": rf.period.isoformat(),
                      "project_id": None, "field": "annual_completed"})
    return found


def _plan_columns(mp: bool, adjusted: bool = False) -> list[Column]:
    fields = ["seq", "project_id", "name", "department", "project_unit", "leader", "location", "sector",
              "nature", "invest_type", "scale_content", "years", "total_investment", "cumulative_prior",
              "annual_planned", "planned_start"]
    if mp:
        fields += ["current_stage", "target_stage"]
    if adjusted:
        fields += ["class"]
    return [Column(f, PLAN_FIELDS[f][0]) for f in fields]


def _plan_row(p: Project, seq: int, cols: list[Column]) -> list[Any]:
    ladder = STAGE_LADDERS["gov" if p.invest_type == "政府投资" else "nongov"]
    vals = {
        "seq": seq, "project_id": p.pid, "name": p.name, "department": p.department, "project_unit": p.unit,
        "leader": p.leader, "location": f"阿拉善左旗{p.location}", "sector": p.sector, "nature": p.nature,
        "invest_type": p.invest_type, "scale_content": p.scale, "years": f"{p.years[0]}-{p.years[1]}",
        "total_investment": p.total, "cumulative_prior": p.prior, "annual_planned": p.annual,
        "planned_start": p.planned_start, "current_stage": ladder[p.stage0 - 1] if p.cls == "MP" else None,
        "target_stage": ladder[p.stage_target - 1] if p.cls == "MP" else None,
        "class": "重点建设项目" if p.cls == "KC" else "重大前期项目",
    }
    return [vals[c.field] for c in cols]


def write_plan(s: SampleYear, root: Path) -> str:
    wb = new_workbook()
    first = True
    for sheet, cls, adjusted in (("重点建设项目", "KC", False), ("重大前期项目", "MP", False), ("调整调入项目", "KC", True)):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet
        cols = _plan_columns(cls == "MP", adjusted)
        projs = [p for p in s.projects if p.cls == cls and p.adjusted_in == adjusted]
        spec = TableSpec(title_lines=[f"{s.year}年阿拉善左旗重点建设项目计划表"], columns=cols,
                         rows=[_plan_row(p, i + 1, cols) for i, p in enumerate(projs)], two_row_header=False)
        write_table(ws, spec, styled=True)
    path = root / "plan" / f"{s.year}年重点建设项目计划.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path.relative_to(root).as_posix()


def _nodes(s: SampleYear, p: Project, calibrated: bool) -> list[float]:
    y = s.year
    start, end = p.planned_start, _d(y, 11, 15)
    span = max(1, (end - start).days)
    out = []
    for q in range(1, 5):
        qe = cal.quarter_end(y, q)
        frac = min(1.0, max(0.0, (qe - start).days / span))
        if calibrated and q in (2, 3):
            frac *= 0.9
        out.append(float(round(p.annual * frac)))
    out[3] = p.annual
    return out


def write_schedules(s: SampleYear, root: Path) -> tuple[list[dict], list[dict]]:
    """Original schedules (a few late) and calibrated ones in May (one outside the window)."""
    y, rng = s.year, s.rng
    folder = root / "schedules"
    folder.mkdir(parents=True, exist_ok=True)
    manifest, defects = [], []
    depts = [d for d, _, _ in DEPARTMENTS]
    late = {depts[3]: _d(y, 4, 3), depts[9]: _d(y, 4, 8)}
    calibrated = {depts[0]: _d(y, 5, 6), depts[1]: _d(y, 5, 8), depts[5]: _d(y, 5, 9), depts[6]: _d(y, 5, 15)}
    cols = [Column(f, SCHEDULE_FIELDS[f][0]) for f in ("project_id", "name", "planned_start", "planned_end")]
    for i in range(1, 5):
        cols += [Column(f"q{i}_node", SCHEDULE_FIELDS[f"q{i}_node"][0]), Column(f"q{i}_goal", SCHEDULE_FIELDS[f"q{i}_goal"][0]),
                 Column(f"q{i}_stage", SCHEDULE_FIELDS[f"q{i}_stage"][0])]
    for dept in depts:
        versions = [("初报", late.get(dept, _d(y, 3, rng.randint(18, 31))))]
        if dept in calibrated:
            versions.append(("校准", calibrated[dept]))
        for label, received in versions:
            rows = []
            for p in s.projects:
                if p.department != dept or p.adjusted_in:
                    continue
                ladder = STAGE_LADDERS["gov" if p.invest_type == "政府投资" else "nongov"]
                vals: dict[str, Any] = {"project_id": p.pid, "name": p.name}
                if p.cls == "KC":
                    vals["planned_start"] = p.planned_start
                    vals["planned_end"] = _d(p.years[1], 10, 31)
                    for q, node in enumerate(_nodes(s, p, label == "校准"), start=1):
                        vals[f"q{q}_node"] = node
                        vals[f"q{q}_goal"] = "完成年度投资" if q == 4 else f"完成第{q}季度形象进度"
                else:
                    targets = [p.stage0, min(5, p.stage0 + 1), min(5, p.stage0 + 1), p.stage_target]
                    for q, t in enumerate(targets, start=1):
                        vals[f"q{q}_stage"] = ladder[t - 1]
                        vals[f"q{q}_goal"] = f"完成{ladder[t - 1]}"
                rows.append([vals.get(c.field) for c in cols])
            meta = f"填报单位：{dept}（盖章）  版本：{label}  报送日期：{received.year}年{received.month}月{received.day}日"
            spec = TableSpec(title_lines=[f"{y}年重点建设项目倒排工期计划表", meta], columns=cols, rows=rows,
                             two_row_header=False)
            wb = new_workbook()
            ws = wb.active
            ws.title = "倒排工期计划"
            write_table(ws, spec, styled=False)
            name = f"{dept}_倒排工期计划_{label}.xlsx"
            wb.save(folder / name)
            manifest.append({"file": name, "received": received.isoformat()})
            rule = None
            if label == "初报" and received > _d(y, 3, 31):
                rule = "SCHEDULE_LATE"
            if label == "校准" and not (_d(y, 5, 1) <= received <= _d(y, 5, 10)):
                rule = "CALIBRATION_OUTSIDE_WINDOW"
            if rule:
                defects.append({"rule": rule, "file": f"schedules/{name}", "sheet": "倒排工期计划", "cell": None,
                                "department": dept, "period": None, "project_id": None, "field": None})
    _write_manifest(folder, manifest)
    return manifest, defects


def write_start_reports(s: SampleYear, root: Path) -> list[dict]:
    folder = root / "start_reports"
    folder.mkdir(parents=True, exist_ok=True)
    manifest, defects = [], []
    cols = [Column(f, START_FIELDS[f][0]) for f in ("project_id", "name", "start_type", "start_date", "note")]
    groups: dict[tuple[str, dt.date], list[dict]] = {}
    for r in s._start_report_rows():
        groups.setdefault((r["department"], r["reported"]), []).append(r)
    for (dept, reported), rows in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        meta = f"填报单位：{dept}（盖章）  报送日期：{reported.year}年{reported.month}月{reported.day}日"
        spec = TableSpec(title_lines=["重点建设项目开（复）工动态报送表", meta], columns=cols,
                         rows=[[r["project_id"], r["name"], r["start_type"], r["start_date"], ""] for r in rows],
                         two_row_header=False)
        wb = new_workbook()
        ws = wb.active
        ws.title = "开复工报送"
        placement = write_table(ws, spec, styled=False)
        name = f"{dept}_{reported.strftime('%Y%m%d')}.xlsx"
        wb.save(folder / name)
        manifest.append({"file": name, "received": reported.isoformat()})
        for i, r in enumerate(rows):
            if reported > r["start_date"]:
                defects.append({"rule": "START_REPORT_LATE", "file": f"start_reports/{name}", "sheet": "开复工报送",
                                "cell": placement.cell(i, "start_date"), "department": dept, "period": None,
                                "project_id": r["project_id"], "field": "start_date"})
    _write_manifest(folder, manifest)
    return defects


def write_registers(s: SampleYear, root: Path) -> dict[str, list[dict]]:
    y = s.year
    depts = [d for d, _, _ in DEPARTMENTS]
    kcs = [p for p in s.projects if p.cls == "KC" and not p.adjusted_in]
    data: dict[str, list[dict]] = {"adjustments": s.adjustments}
    data["decisions"] = []
    for m in range(1, 12):
        meeting = _d(y, m, 25)
        owner = depts[(m * 3) % len(depts)]
        due = meeting + dt.timedelta(days=20)
        done = due - dt.timedelta(days=3) if m % 4 else (due + dt.timedelta(days=10) if m % 8 else None)
        data["decisions"].append({"meeting_date": meeting, "item": f"协调解决{owner}重点项目推进中的问题（{m}月）",
                                  "owner": owner, "due_date": due, "done_date": done})
    data["problems"] = []
    for i in range(24):
        kind, text = PROBLEM_TEXTS[i % len(PROBLEM_TEXTS)]
        p = kcs[(i * 7) % len(kcs)]
        raised = _d(y, 3 + i % 8, 5 + i % 20)
        due = raised + dt.timedelta(days=30)
        solved = due - dt.timedelta(days=5) if i % 3 else (due + dt.timedelta(days=12) if i % 2 else None)
        owner = next(o for k, _, o in PROBLEM_KINDS if k == (kind or "其他"))
        owner = p.department if owner in ("主管部门", "属地苏木镇") else owner
        data["problems"].append({"problem_id": f"WT{y}-{i + 1:03d}", "project_id": "" if i in (10, 21) else p.pid,
                                 "kind": kind, "description": text, "owner": owner, "raised_date": raised,
                                 "due_date": due, "solved_date": solved})
    data["bonuses"] = [
        {"unit": depts[0], "quarter": f"{y}Q2", "points": 3, "reason": "项目推进成效显著", "basis": "旗政府通报表扬"},
        {"unit": depts[6], "quarter": f"{y}Q2", "points": 8, "reason": "争取上级资金成绩突出", "basis": "自治区通报"},
        {"unit": depts[1], "quarter": f"{y}Q3", "points": 2, "reason": "信息报送及时准确", "basis": "发改委认定"},
    ]
    data["incidents"] = [
        {"date": _d(y, 5, 20), "unit": LAGGING[0], "project_id": next(p.pid for p in kcs if p.department == LAGGING[0]),
         "type": "推诿拖延", "description": "项目用地协调推诿，拖延两个月", "source": "旗委督查室"},
        {"date": _d(y, 8, 12), "unit": depts[5], "project_id": next(p.pid for p in kcs if p.department == depts[5]),
         "type": "安全事故", "description": "施工现场发生一般安全事故，一人受伤", "source": "应急管理局"},
        {"date": _d(y, 9, 3), "unit": depts[2], "project_id": "", "type": "其他", "description": "资料报送不规范",
         "source": "政府督查室"},
    ]
    data["liaisons"] = [{"unit": d, "name": s.liaison[d], "title": "科员", "phone": s.phone[d],
                         "registered_date": _d(y, 1, 10)} for d in depts]
    wb = new_workbook()
    for i, (key, sheet) in enumerate(REGISTER_SHEET_NAMES.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet
        fields = list(REGISTER_SHEETS[key])
        cols = [Column(f, REGISTER_SHEETS[key][f][0]) for f in fields]
        rows = [[r.get(f) if r.get(f) != "" else None for f in fields] for r in data[key]]
        write_table(ws, TableSpec(title_lines=[f"{y}年重点项目监控登记簿——{sheet}"], columns=cols, rows=rows,
                                  two_row_header=False), styled=True)
    path = root / "registers" / f"{y}年重点项目登记簿.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return data


def _write_manifest(folder: Path, rows: list[dict]) -> None:
    with open(folder / "_received.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "received"])
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["file"]))


def write_rejects(s: SampleYear, root: Path) -> list[dict]:
    """Files that must be rejected whole."""
    y = s.year
    out = []
    bad = root / "reports" / _d(y, 3, 14).isoformat() / "损坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook " + bytes(range(256)) * 4)
    out.append({"file": bad.relative_to(root).as_posix(), "reason": "corrupt"})
    wb = new_workbook()
    put(wb.active.cell(1, 1), "关于报送重点项目进展情况的说明")
    put(wb.active.cell(3, 1), "本期无变化，详见上期报表。")
    p = root / "reports" / _d(y, 5, 14).isoformat() / "情况说明.xlsx"
    wb.save(p)
    out.append({"file": p.relative_to(root).as_posix(), "reason": "no_table"})
    rf = ReportFile("旗未知事务局", _d(y, 7, 14), _d(y, 7, 14), [s.row_at(s.projects[0], _d(y, 7, 14))], Layout())
    rf.department = "旗未知事务局"
    write_report(rf, root, y)
    out.append({"file": rf.rel_path, "reason": "unknown_department"})
    rf = ReportFile("交通运输局", _d(y, 7, 14), _d(y, 7, 14), [s.row_at(s.projects[10], _d(y, 7, 14))],
                    Layout(period_in_title=False))
    write_report(rf, root, y, path=root / "misc" / "交通运输局补充材料.xlsx")
    out.append({"file": rf.rel_path, "reason": "no_period"})
    return out


# ======================================================================= truth figures
def oracle_figures(s: SampleYear) -> dict[str, Any]:
    """Figures as the rules of shared/domain.md §3/§9 yield them from the files as delivered."""
    y = s.year
    starts: dict[str, dt.date] = {}
    for r in s._start_report_rows():
        starts[r["project_id"]] = min(r["start_date"], starts.get(r["project_id"], r["start_date"]))
    by_dept_reports: dict[str, list[ReportFile]] = {}
    for rf in s.reports:
        by_dept_reports.setdefault(rf.department, []).append(rf)
    out: dict[str, Any] = {}
    for due in s.periods:
        dept_fig: dict[str, dict] = {}
        annual: dict[str, float] = {}
        for dept, _, _ in DEPARTMENTS:
            plan = [p for p in s.projects if p.department == dept and p.cls == "KC" and s.in_plan(p, due)]
            reports = sorted((r for r in by_dept_reports.get(dept, []) if r.period <= due),
                             key=lambda r: (r.period, r.version))
            latest_rows: dict[str, dict] = {}
            for r in reports:  # later reports override; absent projects carry forward
                for row in r.rows:
                    if row.get("project_id") and not row.get("_unknown"):
                        latest_rows[row["project_id"]] = row
            started = 0
            for p in plan:
                row = latest_rows.get(p.pid)
                ok = False
                if row and row.get("status") in STARTED_STATUSES:
                    sd = row.get("start_date")
                    ok = sd is not None and sd.year == y and sd <= due
                if p.pid in starts and starts[p.pid] <= due:
                    ok = True
                started += ok
                annual[p.pid] = float((row or {}).get("annual_completed") or 0.0)
            if plan:
                dept_fig[dept] = {"started": started, "total": len(plan)}
        out[due.isoformat()] = {
            "started": sum(v["started"] for v in dept_fig.values()),
            "total": sum(v["total"] for v in dept_fig.values()),
            "by_department": dept_fig,
            "annual_completed": annual,
        }
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return v
    return v


def write_sample(root: Path | str, year: int = 2025, seed: int = 7, progress: bool = False) -> dict:
    """Write the whole sample year under ``root``; return the truth dictionary (also ``truth.json``)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    s = SampleYear(year, seed)
    s.build_reports()
    plan_file = write_plan(s, root)
    _, schedule_defects = write_schedules(s, root)
    start_defects = write_start_reports(s, root)
    registers = write_registers(s, root)
    defects = list(s.defects) + schedule_defects + start_defects
    files: dict[str, Any] = {}
    manifests: dict[Path, list[dict]] = {}
    iterator = s.reports
    if progress:
        from tqdm import tqdm
        iterator = tqdm(s.reports, desc="写入报表 writing reports", unit="file")
    for rf in iterator:
        found = write_report(rf, root, year)
        defects += found
        manifests.setdefault(root / "reports" / rf.period.isoformat(), []).append(
            {"file": Path(rf.rel_path).name, "received": rf.received.isoformat()})
        files[rf.rel_path] = {
            "kind": "report", "department": rf.department, "period": rf.period.isoformat(),
            "received": rf.received.isoformat(), "version": rf.version,
            "rows": {r["project_id"]: {k: _jsonable(r.get(k)) for k in
                                       ("status", "start_date", "expected_start", "annual_completed",
                                        "cumulative_completed", "class")}
                     for r in rf.rows if r.get("project_id") and not r.get("_unknown")},
        }
    for folder, rows in manifests.items():
        _write_manifest(folder, rows)
    rejected = write_rejects(s, root)
    truth = {
        "year": year, "seed": seed, "plan_file": plan_file,
        "projects": {p.pid: {"department": p.department, "class": p.cls, "nature": p.nature,
                             "planned_start": _jsonable(p.planned_start), "actual_start": _jsonable(p.actual_start),
                             "adjusted_in": p.adjusted_in} for p in s.projects},
        "story": {"lagging_departments": list(LAGGING),
                  "never_started": [p.pid for p in s.projects if p.cls == "KC" and not p.actual_start],
                  "stopped": [p.pid for p in s.projects if p.stop_on],
                  "stalled": [p.pid for p in s.projects if p.stall],
                  "completed": [p.pid for p in s.projects if p.completed_on],
                  # started 30+ days after the planned date, or never: what an investigation should rank first
                  "late": [p.pid for p in s.projects if p.cls == "KC" and s.in_plan(p, dt.date(year, 12, 31))
                           and (p.actual_start is None or (p.actual_start - p.planned_start).days >= 30)]},
        "adjustments": [{k: _jsonable(v) for k, v in a.items()} for a in s.adjustments],
        "files": files,
        "rejected": rejected,
        "defects": [{k: d.get(k) for k in ("rule", "file", "sheet", "cell", "department", "period", "project_id", "field")}
                    for d in defects],
        "figures": oracle_figures(s),
        "registers": {k: len(v) for k, v in registers.items()},
    }
    with open(root / "truth.json", "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1, default=_jsonable)
    return truth
