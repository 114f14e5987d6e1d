"""Scoring (Art. 11–14, docs/measures.md §5): a hand-computed quarter, weight changes, ranking, properties."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alxa_lib import params
from alxa_lib.figures.scoring import (
    bottom,
    department_scores,
    procedures_completeness,
    project_points,
    rank,
    score_quarter,
    stage_ratio,
    year_end,
)
from alxa_lib.figures.state import YearData
from alxa_lib.vocab import PROCEDURES

D = dt.date
PERIODS = [D(2025, 4, 14), D(2025, 4, 28), D(2025, 5, 14), D(2025, 5, 28), D(2025, 6, 14), D(2025, 6, 28)]
DEPT_OF = {"K1": "甲局", "K2": "甲局", "M1": "甲局", "K3": "乙局", "M2": "乙局", "K4": "丙镇", "K5": "丙镇"}
DONE, NA = "已办结", "不涉及"


def procs(*statuses):
    return dict(zip(PROCEDURES, statuses))


def plan(pid, cls="KC", planned_start=D(2025, 4, 1), annual=2000.0, invest="gov", target=None):
    return {"project_id": pid, "name": pid, "department": DEPT_OF[pid], "class": cls, "nature": "new",
            "location": "吉兰泰镇", "sector": "基础设施", "annual_planned": annual if cls == "KC" else None,
            "total_investment": 9000.0, "planned_start": planned_start, "adjusted_in": False, "start_year": 2025,
            "end_year": 2026, "invest_type": invest, "target_stage": target}


def row(pid, status="已开工", start=D(2025, 4, 10), annual=0.0, p=None, stage=None):
    return {"department": DEPT_OF[pid], "period": D(2025, 6, 28), "version": 1, "received": D(2025, 6, 28),
            "row_no": 5, "project_id": pid, "status": status, "start_date": start if status != "未开工" else None,
            "annual_completed": annual, "cumulative_completed": annual, "current_stage": stage,
            **(p or procs(*[DONE] * 9))}


def hand_year() -> tuple[YearData, callable]:
    plan_rows = pd.DataFrame([
        plan("K1"), plan("K2", planned_start=D(2025, 5, 1)), plan("M1", "MP", invest="gov", target="具备开工条件"),
        plan("K3", planned_start=D(2025, 7, 15)), plan("M2", "MP", invest="nongov", target="项目申请报告(核准/备案)"),
        plan("K4"), plan("K5")])
    reports = pd.DataFrame([
        row("K1", annual=800.0),
        row("K2", status="未开工", p=procs(*[DONE] * 6, "办理中", NA, NA)),
        row("M1", status=None, p=procs(DONE, DONE, DONE, None, NA, NA, NA, NA, NA), stage="可研"),
        row("K3", status="未开工", p=procs(*[NA] * 9)),
        row("M2", status=None, p=procs(DONE, DONE, "未办理", "未办理", NA, NA, NA, NA, NA), stage="批复"),
        row("K4", start=D(2025, 5, 5), annual=600.0),
        row("K5", start=D(2025, 6, 1), annual=250.0)])
    versions, vp, fid = [], [], 0
    for period in PERIODS:
        for dept in ("甲局", "乙局", "丙镇"):
            if dept == "丙镇" and period == D(2025, 5, 14):
                continue  # never received: missing
            fid += 1
            received = D(2025, 4, 16) if (dept == "乙局" and period == D(2025, 4, 14)) else period
            versions.append({"file_id": fid, "department": dept, "period": period, "version": 1, "received": received})
            for pid, d in DEPT_OF.items():
                if d == dept and not (pid == "K2" and period == D(2025, 5, 28)):  # K2 left out of one report
                    vp.append({"file_id": fid, "project_id": pid})
    error_file = next(v["file_id"] for v in versions if v["department"] == "甲局" and v["period"] == D(2025, 6, 14))
    findings = pd.DataFrame([{"file_id": error_file, "severity": "error", "project_id": "K1", "rule": "REQUIRED_MISSING"}])
    nodes = {"K1": (0, 1000), "K3": (0, 0), "K4": (100, 500), "K5": (0, 1000)}
    schedules = pd.DataFrame(
        [{"received": D(2025, 3, 20), "file_id": 1, "project_id": pid, "q1_node": a, "q2_node": b, "q3_node": 1500.0,
          "q4_node": 2000.0, "q2_stage": None} for pid, (a, b) in nodes.items()]
        + [{"received": D(2025, 3, 20), "file_id": 1, "project_id": "M1", "q1_node": None, "q2_node": None,
            "q3_node": None, "q4_node": None, "q2_stage": "初步设计"}])
    problems = pd.DataFrame([
        {"project_id": "K1", "due_date": D(2025, 5, 1), "solved_date": D(2025, 4, 20)},   # closed in time
        {"project_id": "K1", "due_date": D(2025, 6, 1), "solved_date": D(2025, 6, 10)},   # closed late
        {"project_id": "M1", "due_date": D(2025, 5, 10), "solved_date": None},            # open
        {"project_id": "K3", "due_date": D(2025, 8, 1), "solved_date": None},             # due in Q3
        {"project_id": "K4", "due_date": D(2025, 6, 20), "solved_date": D(2025, 6, 20)},
        {"project_id": None, "due_date": D(2025, 5, 1), "solved_date": None},             # shown, not scored
    ])
    bonuses = pd.DataFrame([{"unit": "甲局", "quarter": "2025Q2", "points": 3.0},
                            {"unit": "乙局", "quarter": "2025年第二季度", "points": 8.0},
                            {"unit": "丙镇", "quarter": "2025Q3", "points": 2.0}])
    data = YearData(2025, plan_rows, pd.DataFrame(), reports, pd.DataFrame(versions),
                    pd.DataFrame(columns=["project_id", "start_date"]), schedules,
                    {"problems": problems, "bonuses": bonuses}, pd.DataFrame(), pd.DataFrame(vp))
    return data, (lambda period: findings)


EXPECTED_PROJECTS = {  # hand-computed: see the comments in test_hand_computed_quarter
    "K1": 86.75, "K2": 35.36, "M1": 72.5, "K3": 98.75, "M2": 85.83, "K4": 97.5, "K5": 71.25}


def test_hand_computed_quarter():
    data, findings_of = hand_year()
    projects, departments = score_quarter(data, 2, findings_of)
    got = projects.set_index("project_id")
    # K1: procedures 15 + started 25 + nodes 800/1000×35=28 + reporting (5×1+0.5)/6×15=13.75 + problems ½×10=5
    # K2: 6/7×15 + due-not-started 0 + node 0 + 5/6×15 (absent once) + 10
    # M1: 3/4×25 (blank counts as required) + 可研 3/初步设计 4 ×45 + 20 + open problem 0
    # K3: all 不涉及 → 15 + not yet due 25 + node 0 is met 35 + late once 13.75 + 10
    # M2: 2/4×25 + 批复 4 ≥ target 2 → 45 + late once 5.5/6×20 + 10
    # K4: 15 + 25 + min(1, 600/500)×35 + missing once 12.5 + 10;  K5: 15 + 25 + 250/1000×35 + 12.5 + 10
    for pid, score in EXPECTED_PROJECTS.items():
        assert got.loc[pid, "score"] == pytest.approx(score, abs=0.005), pid
    assert got.loc["K1", "components"] == pytest.approx(
        {"procedures": 15, "commencement": 25, "nodes": 28, "reporting": 13.75, "problems": 5})
    dept = departments.set_index("department")
    assert dept.loc["甲局", "score"] == pytest.approx((86.75 + 35.357143 + 72.5) / 3 + 3, abs=0.005)
    assert dept.loc["乙局", "score"] == pytest.approx((98.75 + 85.833333) / 2 + 5, abs=0.005)  # 8 capped at 5
    assert (dept.loc["乙局", "bonus"], dept.loc["乙局", "bonus_raw"]) == (5.0, 8.0)
    assert dept.loc["丙镇", "score"] == pytest.approx(84.375)  # its bonus is for Q3
    assert sum(dept.loc["丙镇", "components"].values()) == pytest.approx(84.375)


def test_changing_a_weight_changes_scores_as_the_formula_says(monkeypatch):
    original = params.load
    scoring = json.loads(json.dumps(original("scoring")))
    scoring["weights"]["KC"].update(nodes=45, commencement=15)
    monkeypatch.setattr(params, "load", lambda name: scoring if name == "scoring" else original(name))
    data, findings_of = hand_year()
    got = score_quarter(data, 2, findings_of)[0].set_index("project_id")["score"]
    assert got["K1"] == pytest.approx(15 + 15 + 0.8 * 45 + 13.75 + 5)
    assert got["K5"] == pytest.approx(15 + 15 + 0.25 * 45 + 12.5 + 10)
    assert got["M1"] == pytest.approx(72.5)  # MP weights untouched


def test_component_edges():
    assert procedures_completeness({f: NA for f in PROCEDURES}) == 1.0
    assert procedures_completeness(None) == 0.0
    assert stage_ratio("初设", "可行性研究报告", "gov") == 1.0
    assert stage_ratio(None, "初步设计", "gov") == 0.0
    assert stage_ratio("签订投资协议", "批复", "nongov") == pytest.approx(1 / 4)


def test_year_end_weights_renormalise_and_ties_share_a_rank():
    q = {1: pd.DataFrame({"department": ["A", "B"], "score": [80.0, 90.0]}),
         2: pd.DataFrame({"department": ["A", "B", "C"], "score": [90.0, 80.0, 85.0]})}
    ye = year_end(q).set_index("department")["score"]
    w = params.load("scoring")["quarter_weights"]
    assert ye["A"] == pytest.approx((w["Q1"] * 80 + w["Q2"] * 90) / (w["Q1"] + w["Q2"]))
    assert ye["C"] == pytest.approx(85.0)  # scored in one quarter only
    r = rank(pd.DataFrame({"department": list("WXYZ"), "score": [90.0, 85.004, 84.996, 70.0]}))
    assert r.set_index("department")["rank"].to_dict() == {"W": 1, "X": 2, "Y": 2, "Z": 4}
    assert set(bottom(r, 2)["department"]) == {"X", "Y", "Z"}  # everyone tied at the boundary


ratio = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def departments(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    rows = []
    for i in range(n):
        cls = draw(st.sampled_from(["KC", "MP"]))
        comps = ("procedures", "commencement", "nodes", "reporting", "problems") if cls == "KC" else \
            ("procedures", "stage", "reporting", "problems")
        ratios = {c: draw(ratio) for c in comps}
        points = project_points(cls, ratios)
        rows.append({"project_id": f"P{i}", "department": "甲局", "class": cls, "score": sum(points.values()),
                     "components": points, "ratios": ratios})
    return pd.DataFrame(rows), draw(st.floats(min_value=0, max_value=20))


@given(departments())
def test_scores_stay_within_bounds(case):
    projects, bonus = case
    bonuses = pd.DataFrame([{"unit": "甲局", "quarter": "2025Q2", "points": bonus}])
    score = department_scores(projects, bonuses, 2025, 2)["score"].iloc[0]
    cap = params.load("scoring")["bonus_cap"]
    assert -1e-9 <= score <= 100 + cap + 1e-9


@given(departments(), ratio)
def test_better_node_completion_never_lowers_the_department(case, better):
    projects, _ = case
    kc = projects.index[projects["class"] == "KC"]
    if len(kc) == 0:
        return
    i = kc[0]
    before = department_scores(projects, pd.DataFrame(), 2025, 2)["score"].iloc[0]
    ratios = dict(projects.at[i, "ratios"], nodes=max(better, projects.at[i, "ratios"]["nodes"]))
    points = project_points("KC", ratios)
    improved = projects.copy()
    improved.at[i, "components"] = points
    improved.at[i, "score"] = sum(points.values())
    after = department_scores(improved, pd.DataFrame(), 2025, 2)["score"].iloc[0]
    assert after >= before - 1e-9


@given(st.lists(st.floats(min_value=0, max_value=105, allow_nan=False), min_size=1, max_size=30))
def test_ranks_consistent_with_scores(scores):
    r = rank(pd.DataFrame({"department": [f"D{i}" for i in range(len(scores))], "score": scores}))
    for a in r.itertuples():
        assert a.rank == 1 + sum(1 for b in r.itertuples() if b.score > a.score)
        for b in r.itertuples():
            if a.score == b.score:
                assert a.rank == b.rank


def test_cli_score_and_rank_contracts(ledger_db):
    db, _ = ledger_db
    s = json.loads(subprocess.run([sys.executable, "-m", "alxa_lib.cli", "score", "--quarter", "2025Q2", "--db", str(db),
                                   "--json"], capture_output=True, text=True, check=True).stdout)
    assert set(s) == {"quarter", "departments", "projects"} and s["quarter"] == "2025Q2"
    assert set(s["departments"][0]) == {"department", "score", "bonus", "projects", "components"}
    assert set(s["projects"][0]) == {"project_id", "department", "class", "score", "components"}
    kc = next(p for p in s["projects"] if p["class"] == "KC")
    assert set(kc["components"]) == {"procedures", "commencement", "nodes", "reporting", "problems"}
    r = json.loads(subprocess.run([sys.executable, "-m", "alxa_lib.cli", "rank", "--year", "2025", "--db", str(db),
                                   "--json"], capture_output=True, text=True, check=True).stdout)
    assert set(r) == {"year", "weights", "ranking", "accountability", "commendation"}
    assert r["weights"] == params.load("scoring")["quarter_weights"]
    assert set(r["ranking"][0]) == {"rank", "department", "score", "quarters"}
    assert set(r["accountability"][0]) == {"department", "project_id", "trigger", "article", "evidence"}
    triggers = {a["trigger"] for a in r["accountability"]}
    assert {"safety_accident", "shirking", "stopped_after_start", "start_overdue", "bottom_ranking",
            "decision_overdue"} <= triggers
    blocked = {a["department"] for a in r["accountability"]}
    minimum = params.load("scoring")["commendation_min_score"]
    assert all(c["score"] >= minimum and c["department"] not in blocked for c in r["commendation"])


def test_sample_bottom_three_are_the_lagging_departments(ledger_db, truth):
    db, _ = ledger_db
    r = json.loads(subprocess.run([sys.executable, "-m", "alxa_lib.cli", "rank", "--year", "2025", "--db", str(db),
                                   "--json"], capture_output=True, text=True, check=True).stdout)
    bottom_three = {a["department"] for a in r["accountability"] if a["trigger"] == "bottom_ranking"}
    assert bottom_three == set(truth["story"]["lagging_departments"])
