"""The report charts drawn with seaborn (docs/rendering.md §3), on tiny hand-made frames: one bar per row,
lengths proportional to the values, the target where it belongs, text escaped in the SVG, empty input drawn
as 无数据, text at least 11 px on a phone, and the SVG that reaches the page (inline, offline, vector text)."""
from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from unittest import mock

import pandas as pd
import pytest
from IPython.display import HTML
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from alxa_lib.reports.rendering import charts, render, theme

HOSTILE = "<i>&\"'局"  # as short as a row label, so it is shown whole
D = dt.date
SVG = "{http://www.w3.org/2000/svg}"


def parse(fig) -> ET.Element:
    """The SVG the page gets, parsed as XML (it must be well-formed); the namespace put back for the parser."""
    text = theme.svg(fig)
    assert text.startswith("<svg ") and "http" not in text and "<style" not in text
    return ET.fromstring(text.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def texts(fig) -> list[str]:
    return [e.text or "" for e in parse(fig).iter(f"{SVG}text")]


def bars(fig) -> list[Rectangle]:
    """The bars of the first axes, top row first (y grows downwards in a horizontal bar chart)."""
    ax = fig.axes[0]
    found = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]
    return sorted(found, key=lambda p: (p.get_y(), p.get_x()))


def by_dept(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"department": d, "started": s, "total": t, "rate": s / t if t else math.nan} for d, s, t in rows])


def test_commencement_bars_are_proportional_and_the_target_sits_at_70():
    fig = charts.commencement_by_department(
        by_dept([("甲局", 1, 2), ("乙局", 4, 5), ("空局", 0, 0), ("丙局", 6, 5)]), 0.7, "各单位开复工率")
    high, mid, low = bars(fig)  # 空局 has no project: no row; the highest rate on top
    assert [b.get_width() for b in (high, mid, low)] == pytest.approx([120, 80, 50])
    assert [to_hex(b.get_facecolor()) for b in (high, mid, low)] == [theme.BLUE, theme.BLUE, theme.RED]
    [target] = [ln for ln in fig.axes[0].lines if list(ln.get_xdata()) == [70, 70]]
    assert to_hex(target.get_color()) == theme.RED
    assert fig.axes[0].get_xlim()[1] > 120  # 120 % widens the axis instead of running off the chart
    shown = texts(fig)
    assert {"目标70%", "1/2", "4/5", "6/5", "甲局", "乙局", "丙局", "各单位开复工率"} <= set(shown)
    assert "空局" not in shown


def test_commencement_without_target_or_rate():
    fig = charts.commencement_by_department(pd.DataFrame(
        [{"department": "甲局", "started": 1, "total": 2, "rate": None},
         {"department": "乙局", "started": 1, "total": 4, "rate": 0.25}]), None, "t")
    assert [b.get_width() for b in bars(fig)] == pytest.approx([25])  # no bar for a missing rate
    assert {"甲局", "1/2", "乙局", "1/4"} <= set(texts(fig))  # but its row and label stay
    assert not any("目标" in t for t in texts(fig)) and len(fig.axes[0].lines) == 0


def test_investment_rates_against_the_time_progress():
    inv = pd.DataFrame({"单位": ["甲局", "乙局", "丙局"], "年度计划投资（万元）": [100.0, 200.0, 0.0],
                        "年度完成投资（万元）": [25.0, 150.0, 10.0]})
    fig = charts.investment_vs_time(inv, 0.5, "投资")
    assert [b.get_width() for b in bars(fig)] == pytest.approx([75, 25])  # 丙局 has no plan: no bar
    assert [list(ln.get_xdata()) for ln in fig.axes[0].lines] == [[50, 50]]
    assert {"时间进度50.0%", "75.0%", "25.0%", "无计划", "年度投资完成率（%）"} <= set(texts(fig))


def test_components_stack_and_name_their_parts():
    comp = pd.DataFrame([{"department": "甲局", "a": 10.0, "b": 20.0, "c": 0.0},
                         {"department": "乙局", "a": 30.0, "b": 5.0, "c": 15.0}])
    fig = charts.components_by_department(comp, {"a": "开工", "b": "节点", "c": "问题处理"}, "得分构成")
    drawn = bars(fig)
    assert len(drawn) == 5  # a zero part draws nothing
    top = [b for b in drawn if b.get_y() == drawn[0].get_y()]  # 乙局 (50) on top
    assert [v for b in top for v in (b.get_x(), b.get_width())] == pytest.approx([0, 30, 30, 5, 35, 15])  # end to end
    assert {"开工", "节点", "问题处理", "得分", "乙局", "甲局"} <= set(texts(fig))


def test_trajectory_is_a_table_of_scores_best_latest_on_top():
    traj = pd.DataFrame([{"department": "乙局", "Q1": 70.0, "Q2": None, "Q3": 75.0, "Q4": 78.0},
                         {"department": "甲局", "Q1": 80.0, "Q2": 85.0, "Q3": 90.0, "Q4": 95.0}])
    fig = charts.quarter_trajectory(traj, "走势")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["甲局", "乙局"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Q1", "Q2", "Q3", "Q4"]
    assert {"80.0", "95.0", "70.0", "78.0"} <= set(texts(fig)) and "nan" not in texts(fig)  # a gap stays empty
    assert sum(t in ("70.0", "75.0", "78.0", "80.0", "85.0", "90.0", "95.0") for t in texts(fig)) == 7


def test_s_curve_plans_dashed_actual_solid_with_months():
    days = [D(2025, 1, 1), D(2025, 3, 31), D(2025, 6, 30), D(2025, 9, 30), D(2025, 12, 31)]
    curve = {"actual": pd.DataFrame({"period": [D(2025, 5, 14), D(2025, 5, 28)], "annual_completed": [0.0, 120.0]}),
             "初报": pd.DataFrame({"day": days, "planned": [0, 100, 300, 600, 1000]}),
             "调整": pd.DataFrame({"day": days, "planned": [0, 50, 200, 500, 900]})}
    fig = charts.s_curve(curve, "S")
    lines = fig.axes[0].lines
    assert len(lines) == 3 and [ln.get_linestyle() for ln in lines].count("-") == 1  # the actual is solid
    assert list(lines[-1].get_ydata()) == [0.0, 120.0] and fig.axes[0].get_ylim()[0] == 0
    assert {"倒排计划（初报）", "倒排计划（调整）", "实际完成", "本年完成投资（万元）", "1月", "5月"} <= set(texts(fig))


def test_procedure_strip_colours_each_status():
    strip = pd.DataFrame([["已办结", "办理中", "未办理"], ["不涉及", None, "已办结"]], index=["立项", "环评"],
                         columns=[D(2025, 6, 14), D(2025, 6, 28), D(2025, 7, 14)])
    fig = charts.procedure_strip(strip, "手续")
    mesh = fig.axes[0].collections[0]
    mesh.update_scalarmappable()  # the colours as they will be drawn
    colors = [to_hex(c) for c in mesh.get_facecolors()]
    p = theme.PROCEDURE
    assert colors == [p["已办结"], p["办理中"], p["未办理"], p["不涉及"], "#ffffff", p["已办结"]]
    assert {"06-14", "06-28", "07-14", "立项", "环评"} <= set(texts(fig))
    # readable without colour: a mark in each cell with a status, and the same mark in the legend
    assert [t.get_text() for t in fig.axes[0].texts] == ["结", "办", "未", "—", "", "结"]
    assert {"结 已办结", "办 办理中", "未 未办理", "— 不涉及"} <= set(texts(fig))


def fan_frames(band_rows: int):
    actual = pd.DataFrame({"date": [D(2025, 5, 14), D(2025, 5, 28), D(2025, 6, 14)], "rate": [0.4, 0.5, 0.6]})
    band = pd.DataFrame([{"date": D(2025, 6, 14), "point": 0.6, "low": 0.6, "high": 0.6, "target": None},
                         {"date": D(2025, 6, 30), "point": 0.68, "low": 0.64, "high": 0.72, "target": 0.7},
                         {"date": D(2025, 9, 30), "point": 0.9, "low": 0.85, "high": 1.02, "target": 0.9}])
    return actual, band.head(band_rows)


def test_forecast_fan_band_point_and_targets():
    fig = charts.forecast_fan(*fan_frames(3), "预测", interval_label="90%区间")
    ax = fig.axes[0]
    assert len(ax.collections) == 1  # the band
    actual, point, target = ax.lines[-1], ax.lines[0], ax.lines[1]
    assert list(actual.get_ydata()) == pytest.approx([40, 50, 60]) and list(point.get_ydata()) == pytest.approx([60, 68, 90])
    assert [y for y in target.get_ydata() if not math.isnan(y)] == pytest.approx([70, 90])
    assert {"实际开复工率", "90%区间", "预测", "目标", "开复工率（%）"} <= set(texts(fig))
    only_actual = charts.forecast_fan(*fan_frames(1), "预测")  # after 10-31: nothing left to forecast
    assert len(only_actual.axes[0].collections) == 0 and len(only_actual.axes[0].lines) == 1


def test_department_text_is_escaped_in_the_svg():
    title = '标题<b onload="x">'
    made = [charts.commencement_by_department(by_dept([(HOSTILE, 1, 2)]), 0.7, title),
            charts.investment_vs_time(pd.DataFrame({"单位": [HOSTILE], "年度计划投资（万元）": [1.0],
                                                    "年度完成投资（万元）": [0.5]}), 0.5, title),
            charts.components_by_department(pd.DataFrame([{"department": HOSTILE, "a": 1.0}]), {"a": HOSTILE}, title),
            charts.quarter_trajectory(pd.DataFrame([{"department": HOSTILE, "Q1": 1.0}]), title),
            charts.s_curve({"actual": pd.DataFrame({"period": [D(2025, 6, 14)], "annual_completed": [1.0]}),
                            HOSTILE: pd.DataFrame({"day": [D(2025, 1, 1)], "planned": [0.0]})}, title)]
    for fig in made:
        svg = theme.svg(fig)
        assert "<i>" not in svg and "<b " not in svg and "&lt;i&gt;&amp;" in svg
        assert any(HOSTILE in t for t in texts(fig)) and title in texts(fig)
    bell = charts.commencement_by_department(by_dept([("甲\x01局\x0b", 1, 2)]), 0.7, "t")  # XML forbids them
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
    for fig in made:
        assert "无数据" in texts(fig) and fig.get_figheight() * 72 < 150


def test_text_stays_readable_on_a_phone_and_the_chart_is_never_enlarged():
    """Drawn 480 px wide with 16 px text: on a 390 px screen (a 330 px column) no text is under 11 px."""
    rows = [(f"第{i}局", i, 22) for i in range(22)]
    made = [charts.commencement_by_department(by_dept(rows), 0.7, "t"),
            charts.quarter_trajectory(pd.DataFrame([{"department": d, "Q1": 80.0, "Q2": 90.0} for d, _, _ in rows]), "t"),
            charts.forecast_fan(*fan_frames(3), "t")]
    for fig in made:
        assert theme.smallest_text_px(fig) >= 11
        root = parse(fig)
        assert root.get("width") is None and "max-width: 480px" in root.get("style")  # height follows the viewBox
        assert root.get("viewBox").split()[2] == "480"
        sizes = {float(s) for e in root.iter(f"{SVG}text") for s in [e.get("style").split("font-size: ")[1].split("px")[0]]}
        assert min(sizes) >= 16 and "'Noto Sans CJK SC', 'Microsoft YaHei'" in next(root.iter(f"{SVG}text")).get("style")
    assert made[1].get_figheight() * 72 >= 22 * theme.ROW_PX  # one readable row per department, not 22 lines


def test_show_figure_puts_the_svg_inline_as_html():
    fig = charts.commencement_by_department(by_dept([("甲局", 1, 2)]), 0.7, "t")
    with mock.patch("IPython.display.display") as display:
        render.show_figure(fig)
    [shown] = display.call_args.args
    assert isinstance(shown, HTML) and shown.data == f"<div class='alxa-figure'>{theme.svg(fig)}</div>"
    assert shown.data.count("<svg ") == 1 and "http" not in shown.data  # the offline page holds no address
    assert "<text " in shown.data  # text as text: searchable in the PDF
