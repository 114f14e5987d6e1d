"""Traffic lights (docs/measures.md §3) on a hand-built year: one project per rule, figures computed by hand."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from alxa_lib.figures.metrics import lights, node_completion, raw_lights, spi
from alxa_lib.figures.state import YearData

D = dt.date
P1, P2, P3 = D(2025, 5, 28), D(2025, 6, 14), D(2025, 6, 28)


def plan_row(pid, planned_start, annual=1000.0):
    return {"project_id": pid, "name": f"项目{pid}", "department": "住建局", "class": "KC", "nature": "new",
            "location": "阿拉善左旗吉兰泰镇", "sector": "基础设施", "annual_planned": annual, "total_investment": 5000.0,
            "planned_start": planned_start, "adjusted_in": False, "start_year": 2025, "end_year": 2026}


def rep(period, pid, status, annual, cum=None, start=D(2025, 4, 1)):
    return {"department": "住建局", "period": period, "version": 1, "received": period, "row_no": 5, "project_id": pid,
            "status": status, "start_date": start if status != "未开工" else None, "annual_completed": annual,
            "cumulative_completed": annual if cum is None else cum, "expected_start": None}


@pytest.fixture()
def year() -> YearData:
    plan = pd.DataFrame([plan_row("A", D(2025, 4, 1)), plan_row("B", D(2025, 6, 10)), plan_row("C", D(2025, 4, 1)),
                         plan_row("S", D(2025, 4, 1)), plan_row("E", D(2025, 4, 1), 2000.0),
                         plan_row("F", D(2025, 4, 1), 2000.0), plan_row("G", D(2025, 4, 1), 2000.0)])
    values = {  # project: (status, annual) at P1, P2, P3
        "A": [("未开工", 0)] * 3, "B": [("未开工", 0)] * 3,
        "C": [("已开工", 300), ("已开工", 350), ("停工", 400)],
        "S": [("已开工", 450), ("已开工", 450), ("已开工", 450)],
        "E": [("已开工", 600), ("已开工", 700), ("已开工", 800)],
        "F": [("已开工", 630), ("已开工", 800), ("已开工", 960)],
        "G": [("已开工", 600), ("已开工", 100), ("已开工", 990)],
    }
    rows = [rep(p, pid, s, float(a)) for pid, vals in values.items() for p, (s, a) in zip((P1, P2, P3), vals)]
    rows.append(rep(D(2025, 12, 14), "C", "停工", 1000.0))
    sched = pd.DataFrame([{"received": D(2025, 3, 20), "file_id": 1, "project_id": pid, "q1_node": 0.0, "q2_node": 1000.0,
                           "q3_node": 1500.0, "q4_node": 2000.0} for pid in ("E", "F", "G")])
    empty = pd.DataFrame(columns=["project_id", "start_date"])
    return YearData(2025, plan, pd.DataFrame(), pd.DataFrame(rows),
                    pd.DataFrame(columns=["file_id", "department", "period", "version", "received"]), empty, sched,
                    {"problems": pd.DataFrame()}, pd.DataFrame())


def test_spi_by_hand(year):
    s = spi(year, P3)
    planned = 1000 * 89 / 91  # Q1 node 0, Q2 node 1000, 06-28 is day 89 of 91 in Q2
    assert s["E"] == pytest.approx(800 / planned)  # 0.818 → yellow
    assert s["F"] == pytest.approx(960 / planned)
    default = 100 + 300 * 89 / 91  # no schedule row: annual 1000 × (0.10, 0.40, …)
    assert s["S"] == pytest.approx(450 / default)


def test_each_light_rule(year):
    got = lights(year, P3).set_index("project_id")
    assert got["light"].to_dict() == {"A": "red", "B": "yellow", "C": "red", "S": "red", "E": "yellow", "F": "green",
                                      "G": "yellow"}
    assert got.loc["A", "reasons"] == "开工滞后88天"
    assert got.loc["B", "reasons"] == "开工滞后18天"
    assert got.loc["C", "reasons"] == "停工"
    assert got.loc["S", "reasons"] == "连续3期投资无变化"
    assert got.loc["E", "reasons"].startswith("投资进度指数0.82")
    assert got.loc["G", "reasons"] == "上期红灯，本期追赶达标"  # red on 06-14, caught up on 06-28


def test_winter_stop_is_not_red(year):
    got = raw_lights(year, D(2025, 12, 14)).set_index("project_id")
    assert "停工" not in got.loc["C", "reasons"]


def test_node_completion_by_hand(year):
    q2 = node_completion(year, 2)
    assert q2["E"] == pytest.approx(0.8)  # 800 / 1000
    assert q2["F"] == pytest.approx(0.96)
    assert q2["A"] == 0.0  # node 400 from the default shares, nothing done
    assert q2["S"] == 1.0  # min(1, 450 / 400)
