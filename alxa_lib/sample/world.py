"""The world of the sample year: sectors, names and texts, and the plan's projects (the departments,
real or scaled, are :mod:`alxa_lib.sample.banner`).

Everything here is fixed data or drawn once, at the start, from the year's random number generator
(:func:`build_plan`); what the projects then do during the year is :mod:`alxa_lib.sample.story`.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from alxa_lib.sample.banner import Banner, build_banner
from alxa_lib.vocab import STAGE_LADDERS

PHASES = "一二三四五六七八九十"

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

    @property
    def ladder(self) -> list[str]:
        """The stage ladder of an MP project (government or non-government investment)."""
        return STAGE_LADDERS["gov" if self.invest_type == "政府投资" else "nongov"]


@dataclass
class Layout:
    """How one report file departs from the template (the tolerances the reader must absorb)."""
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
    """One period report of one department as it will be written: rows, layout and injected defects."""
    department: str
    period: dt.date
    received: dt.date
    rows: list[dict]
    layout: Layout
    version: int = 1
    rel_path: str = ""
    defects: list[dict] = field(default_factory=list)  # {rule, project_id, field, (row)}
    liaison: str = ""


def _phase(n: int) -> str:
    """The n-th phase (期) of a project name: 二, 三 … 十, then digits."""
    return PHASES[n - 1] if n <= len(PHASES) else str(n)


def build_plan(rng: random.Random, year: int, banner: Banner | None = None) -> list[Project]:
    """The banner's projects for ``year`` as the plan lists them (KC then MP within each department)."""
    y = year
    b = banner or build_banner(1)
    projects: list[Project] = []
    kc_no = mp_no = 0
    used: set[str] = set()
    for di, (dept, n_kc, n_mp) in enumerate(b.departments):
        sector = SECTOR_OF.get(b.template[dept], rng.choice(["城镇化建设", "基础设施", "农牧林水", "社会事业和民生"]))
        towns = b.townships_of(b.copy[dept])
        home = dept if b.is_township(dept) else rng.choice(towns[:9])
        township = b.is_township(dept)
        for k in range(n_kc + n_mp):
            cls = "KC" if k < n_kc else "MP"
            thing = THINGS[sector][k % len(THINGS[sector])]
            town = home if rng.random() < 0.6 else rng.choice(towns)
            name = f"{town}{thing}项目"
            n = 2
            while name in used:
                name = f"{town}{thing}项目（{_phase(n)}期）"
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
            # keyword arguments are evaluated left to right: invest_type draws before unit
            p = Project(pid=pid, name=name, department=dept, cls=cls, nature=nature,
                        invest_type="政府投资" if rng.random() < 0.6 else "企业投资",
                        location=f"{town}", sector=sector, years=years, total=total, prior=prior,
                        annual=annual, planned_start=None,
                        unit=(f"{'阿左旗' + dept if township else dept}项目办" if rng.random() < 0.5
                              else f"内蒙古{thing}有限公司"),
                        leader=LEADERS[di % len(LEADERS)], scale=f"建设{thing}相关工程及配套设施")
            projects.append(p)
    return projects
