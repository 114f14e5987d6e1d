"""The report charts as SVG (docs/rendering.md §3), on tiny hand-made frames: well-formed, one mark per row,
lengths proportional to the values, text escaped, empty input drawn as 无数据; and no matplotlib in the kernel."""
from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from IPython.display import HTML

from alxa_lib.reports.rendering import charts
from alxa_lib.reports.rendering import render
from alxa_lib.reports.rendering import svg

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>&\"'局"
D = dt.date


def parse(chart: svg.Chart) -> ET.Element:
    assert isinstance(chart, str) and chart._repr_html_() == chart.inline() and "http" not in chart.inline()
    root = ET.fromstring(chart)  # well-formed XML, or this raises
    assert root.tag == f"{NS}svg" and root.get("viewBox").startswith("0 0 ")
    return root


def marks(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if e.get("class") == css]


def texts(root: ET.Element) -> list[str]:
    return [e.text for e in root.iter(f"{NS}text")]


def width(e: ET.Element) -> float:
    return float(e.get("width"))


def by_dept(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"department": d, "started": s, "total": t, "rate": s / t if t else math.nan} for d, s, t in rows])


def test_commencement_bars_are_proportional_and_the_target_sits_at_70():
    root = parse(charts.commencement_by_department(
        by_dept([("甲局", 1, 2), ("乙局", 4, 5), ("空局", 0, 0), ("丙局", 6, 5)]), 0.7, "各单位开复工率"))
    bars = marks(root, "rect", "bar")
    assert len(bars) == 3  # 空局 has no project: no row
    top_down = [b for b in sorted(bars, key=lambda b: float(b.get("y")))]
    high, mid, low = (width(b) for b in top_down)  # the highest rate on top
    assert mid / low == pytest.approx(0.8 / 0.5, rel=1e-3) and high / low == pytest.approx(1.2 / 0.5, rel=1e-3)
    x0 = float(bars[0].get("x"))
    assert all(float(b.get("x")) == x0 for b in bars)
    [target] = marks(root, "line", "target")
    assert float(target.get("x1")) == pytest.approx(x0 + low * 0.7 / 0.5, abs=0.02)
    assert [b.get("fill") for b in top_down] == [charts.BLUE, charts.BLUE, svg.RED]  # red below the target
    assert {"目标70%", "1/2", "4/5", "6/5", "甲局", "乙局", "丙局", "各单位开复工率"} <= set(texts(root))
    assert "空局" not in texts(root)
    right = float(root.get("viewBox").split()[2])
    assert x0 + high <= right  # 120 % widens the axis instead of running off the chart


def test_commencement_without_target_or_rate():
    root = parse(charts.commencement_by_department(pd.DataFrame(
        [{"department": "甲局", "started": 1, "total": 2, "rate": None}, {"department": "乙局", "started": 1, "total": 4,
                                                                        "rate": 0.25}]), None, "t"))
    assert len(marks(root, "rect", "bar")) == 1  # no bar for a missing rate, but its row and label stay
    assert {"甲局", "1/2", "乙局", "1/4"} <= set(texts(root))
    assert marks(root, "line", "target") == [] and not any("目标" in t for t in texts(root))


def test_investment_rates_against_the_time_progress():
    inv = pd.DataFrame({"单位": ["甲局", "乙局", "丙局"], "年度计划投资（万元）": [100.0, 200.0, 0.0],
                        "年度完成投资（万元）": [25.0, 150.0, 10.0]})
    root = parse(charts.investment_vs_time(inv, 0.5, "投资"))
    bars = sorted(marks(root, "rect", "bar"), key=lambda b: float(b.get("y")))
    assert len(bars) == 2  # 丙局 has no plan: no rate, no bar
    assert width(bars[0]) / width(bars[1]) == pytest.approx(0.75 / 0.25, rel=1e-3)
    [line] = marks(root, "line", "target")
    assert float(line.get("x1")) == pytest.approx(float(bars[1].get("x")) + width(bars[1]) * 0.5 / 0.25, abs=0.02)
    assert {"时间进度50.0%", "75.0%", "25.0%", "无计划", "年度投资完成率（%）"} <= set(texts(root))


def test_components_stack_and_name_their_parts():
    comp = pd.DataFrame([{"department": "甲局", "a": 10.0, "b": 20.0, "c": 0.0},
                         {"department": "乙局", "a": 30.0, "b": 5.0, "c": 15.0}])
    root = parse(charts.components_by_department(comp, {"a": "开工", "b": "节点", "c": "问题处理"}, "得分构成"))
    bars = marks(root, "rect", "bar")
    assert len(bars) == 5  # a zero part draws nothing
    first = [b for b in bars if float(b.get("y")) == min(float(b.get("y")) for b in bars)]  # 乙局 (50) on top
    first.sort(key=lambda b: float(b.get("x")))
    assert [width(b) for b in first] == pytest.approx([w * width(first[0]) / 30 for w in (30, 5, 15)], abs=0.02)
    for a, b in zip(first, first[1:]):
        assert float(b.get("x")) == pytest.approx(float(a.get("x")) + width(a), abs=0.02)  # stacked end to end
    assert {"开工", "节点", "问题处理", "得分"} <= set(texts(root))


def test_trajectory_one_line_per_department_broken_at_a_gap():
    traj = pd.DataFrame([{"department": "甲局", "Q1": 80.0, "Q2": 85.0, "Q3": 90.0, "Q4": 95.0},
                         {"department": "乙局", "Q1": 70.0, "Q2": None, "Q3": 75.0, "Q4": 78.0}])
    root = parse(charts.quarter_trajectory(traj, "走势"))
    assert len(marks(root, "polyline", "line")) == 2 and len(marks(root, "circle", "marker")) == 7
    assert {"Q1", "Q2", "Q3", "Q4", "甲局", "乙局", "季度得分"} <= set(texts(root))


def plot_bottom(root: ET.Element) -> float:
    """The y of the lowest horizontal gridline (the bottom of the plot)."""
    return max(float(e.get("y1")) for e in marks(root, "line", "grid") if e.get("y1") == e.get("y2"))


def test_s_curve_plans_dashed_actual_solid_with_dates():
    days = [D(2025, 1, 1), D(2025, 3, 31), D(2025, 6, 30), D(2025, 9, 30), D(2025, 12, 31)]
    curve = {"actual": pd.DataFrame({"period": [D(2025, 5, 14), D(2025, 5, 28)], "annual_completed": [0.0, 120.0]}),
             "初报": pd.DataFrame({"day": days, "planned": [0, 100, 300, 600, 1000]}),
             "调整": pd.DataFrame({"day": days, "planned": [0, 50, 200, 500, 900]})}
    root = parse(charts.s_curve(curve, "S"))
    lines = marks(root, "polyline", "line")
    assert len(lines) == 3 and sum(1 for e in lines if e.get("stroke-dasharray")) == 2
    actual = [e for e in lines if not e.get("stroke-dasharray")][0]
    (x1, y1), (x2, y2) = [tuple(map(float, p.split(","))) for p in actual.get("points").split()]
    assert y1 == pytest.approx(plot_bottom(root), abs=0.02) and y2 < y1 and x2 > x1  # 0 on the axis, 120 above
    assert {"倒排计划（初报）", "倒排计划（调整）", "实际完成", "1月", "5月", "11月", "本年完成投资（万元）"} <= set(texts(root))
    assert "1月" in texts(root) and texts(root).count("1月") == 1  # no January of the next year


def test_procedure_strip_colours_each_status():
    strip = pd.DataFrame([["已办结", "办理中", "未办理"], ["不涉及", None, "已办结"]], index=["立项", HOSTILE],
                         columns=[D(2025, 6, 14), D(2025, 6, 28), D(2025, 7, 14)])
    root = parse(charts.procedure_strip(strip, "手续"))
    cells = marks(root, "rect", "cell")
    colors = charts.PROCEDURE_COLORS
    assert [c.get("fill") for c in cells] == [colors["已办结"], colors["办理中"], colors["未办理"], colors["不涉及"],
                                             "#ffffff", colors["已办结"]]
    assert {"06-14", "06-28", "07-14", "立项", HOSTILE, *colors} <= set(texts(root))


def fan_frames(band_rows: int):
    actual = pd.DataFrame({"date": [D(2025, 5, 14), D(2025, 5, 28), D(2025, 6, 14)], "rate": [0.4, 0.5, 0.6]})
    band = pd.DataFrame([{"date": D(2025, 6, 14), "point": 0.6, "low": 0.6, "high": 0.6, "target": None},
                         {"date": D(2025, 6, 30), "point": 0.68, "low": 0.64, "high": 0.72, "target": 0.7},
                         {"date": D(2025, 9, 30), "point": 0.9, "low": 0.85, "high": 1.02, "target": 0.9}])
    return actual, band.head(band_rows)


def test_forecast_fan_band_point_and_targets():
    root = parse(charts.forecast_fan(*fan_frames(3), "预测"))
    assert len(marks(root, "polygon", "band")) == 1
    assert len(marks(root, "polyline", "line")) == 2  # the actual rate and the dashed point forecast
    targets = marks(root, "line", "target")
    assert len(targets) == 2 and float(targets[0].get("y1")) > float(targets[1].get("y1"))  # 70 % below 90 %
    assert {"实际开复工率", "80%区间", "预测", "目标", "开复工率（%）"} <= set(texts(root))
    only_actual = parse(charts.forecast_fan(*fan_frames(1), "预测"))  # after 10-31: nothing left to forecast
    assert marks(only_actual, "polygon", "band") == [] and marks(only_actual, "line", "target") == []
    assert len(marks(only_actual, "polyline", "line")) == 1


def test_department_text_is_escaped_everywhere():
    title = '标题<b onload="x">'
    made = [charts.commencement_by_department(by_dept([(HOSTILE, 1, 2)]), 0.7, title),
            charts.investment_vs_time(pd.DataFrame({"单位": [HOSTILE], "年度计划投资（万元）": [1.0],
                                                    "年度完成投资（万元）": [0.5]}), 0.5, title),
            charts.components_by_department(pd.DataFrame([{"department": HOSTILE, "a": 1.0}]), {"a": HOSTILE}, title),
            charts.quarter_trajectory(pd.DataFrame([{"department": HOSTILE, "Q1": 1.0}]), title),
            charts.s_curve({"actual": pd.DataFrame({"period": [D(2025, 6, 14)], "annual_completed": [1.0]}),
                            HOSTILE: pd.DataFrame({"day": [D(2025, 1, 1)], "planned": [0.0]})}, title)]
    for chart in made:
        assert "<script>" not in chart and "<b " not in chart and "&lt;script&gt;&amp;&quot;&#x27;局" in chart
        root = parse(chart)
        assert any(HOSTILE in (t or "") for t in texts(root)) and title in texts(root)
    bell = parse(charts.commencement_by_department(by_dept([("甲\x01局\x0b", 1, 2)]), 0.7, "t"))  # XML forbids them
    assert "甲局" in texts(bell)


def test_empty_input_draws_a_small_chart_saying_so():
    made = [charts.commencement_by_department(by_dept([]).reindex(columns=["department", "started", "total", "rate"]),
                                              0.7, "a"),
            charts.commencement_by_department(by_dept([("甲局", 0, 0)]), 0.7, "a"),
            charts.investment_vs_time(pd.DataFrame(columns=["单位", "年度计划投资（万元）", "年度完成投资（万元）"]), 0.5, "b"),
            charts.components_by_department(pd.DataFrame(columns=["department"]), {}, "c"),
            charts.quarter_trajectory(pd.DataFrame(columns=["department", "Q1"]), "d"),
            charts.s_curve({"actual": pd.DataFrame(columns=["period", "annual_completed"])}, "e"),
            charts.procedure_strip(pd.DataFrame(), "f"),
            charts.forecast_fan(pd.DataFrame(columns=["date", "rate"]),
                                pd.DataFrame(columns=["date", "point", "low", "high", "target"]), "g")]
    for chart in made:
        root = parse(chart)
        assert "无数据" in texts(root) and float(root.get("viewBox").split()[3]) < 150


def test_charts_name_the_cjk_fonts_and_scale_to_the_page():
    root = parse(charts.commencement_by_department(by_dept([("甲局", 1, 2)] * 3), 0.7, "t"))
    assert root.get("font-family").startswith("'Noto Sans CJK SC', 'Microsoft YaHei'")
    assert "width: 100%" in root.get("style") and root.get("width") is None  # height follows the viewBox
    taller = parse(charts.commencement_by_department(by_dept([("甲局", 1, 2)] * 12), 0.7, "t"))
    assert float(taller.get("viewBox").split()[3]) - float(root.get("viewBox").split()[3]) == 9 * charts.ROW


def test_show_figure_puts_the_svg_inline_as_html():
    chart = charts.commencement_by_department(by_dept([("甲局", 1, 2)]), 0.7, "t")
    with mock.patch("IPython.display.display") as display:
        render.show_figure(chart)
    [shown] = display.call_args.args
    assert isinstance(shown, HTML) and shown.data == f"<div class='alxa-figure'>{chart.inline()}</div>"
    assert shown.data.count("<svg class=") == 1 and "http" not in shown.data  # the offline page holds no address


def test_the_brief_kernel_imports_no_plotting_library():
    """The brief notebook's import cell, in a fresh interpreter: matplotlib must not load (it cost ~1.8 s CPU)."""
    code = ("import sys\n"
            "from alxa_lib.reports.rendering import charts\n"
            "from alxa_lib.reports import official\n"
            "from alxa_lib.reports.rendering import render\n"
            "from alxa_lib.reports.running import sources\n"
            "from alxa_lib.reports.content.brief import build_brief, write_xlsx\n"
            "from alxa_lib.reports.content.labels import ISSUER\n"
            "from alxa_lib.reports.official.brief_text import brief_document\n"
            "import alxa_lib.reports.content.evaluation, alxa_lib.reports.content.investigate, alxa_lib.reports.content.meeting\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'seaborn')))\n")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    assert out.stdout.strip() == "[]"
