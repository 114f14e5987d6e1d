"""The forecast (docs/measures.md §11) on hand-built histories: what promises imply, slips, the
interval, targets already reached, fallbacks and bad promises; the Kaplan–Meier mass by hand."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from alxa_lib import params
from alxa_lib.figures.forecast import contract, forecast, km_pmf
from alxa_lib.figures.promises import promise_table, reliability
from alxa_lib.figures.state import YearData
from tests.helpers import with_params

D = dt.date
AS_OF = D(2025, 6, 14)
HIST_PERIODS = [D(2025, 3, 14), D(2025, 3, 28)]  # promises given, then the start reported on 04-14


def plan_row(pid, dept, planned=D(2025, 4, 1)):
    return {"project_id": pid, "name": f"项目{pid}", "department": dept, "class": "KC", "nature": "新建",
            "location": "吉兰泰镇", "sector": "基础设施", "annual_planned": 1000.0, "total_investment": 5000.0,
            "planned_start": planned, "adjusted_in": False, "start_year": 2025, "end_year": 2026}


def rrow(dept, period, pid, status, start=None, expected=None, annual=0.0):
    return {"department": dept, "period": period, "version": 1, "received": period, "row_no": 5,
            "project_id": pid, "status": status, "start_date": start, "expected_start": expected,
            "annual_completed": annual, "cumulative_completed": annual}


def build(history: list[tuple[str, int]], unstarted: list[tuple[str, dt.date | None]], started_quiet: int = 0,
          dept_of_unstarted: str | None = None) -> YearData:
    """``history``: (department, slip days) per past project: promised 04-10 in March, started 04-10 + slip
    (reported from the first due date after). ``unstarted``: (department, current promise) reported at
    the as-of date. ``started_quiet``: projects that started without ever reporting a promise."""
    plan, rows = [], []
    for i, (dept, slip) in enumerate(history):
        pid, e = f"H{i:02d}", D(2025, 4, 10)
        start = e + dt.timedelta(days=slip)
        plan.append(plan_row(pid, dept))
        rows += [rrow(dept, p, pid, "未开工", expected=e) for p in HIST_PERIODS]
        first = next(p for p in (D(2025, m, d) for m in range(4, 13) for d in (14, 28)) if p >= start)
        rows.append(rrow(dept, first, pid, "已开工", start=start, annual=100.0))
    for i in range(started_quiet):
        plan.append(plan_row(f"Q{i:02d}", "其他局"))
        rows.append(rrow("其他局", D(2025, 4, 14), f"Q{i:02d}", "已开工", start=D(2025, 4, 1), annual=100.0))
    for i, (dept, e) in enumerate(unstarted):
        pid = f"U{i:02d}"
        plan.append(plan_row(pid, dept, planned=D(2025, 5, 1)))
        rows.append(rrow(dept, AS_OF, pid, "未开工", expected=e))
    reports = pd.DataFrame(rows)
    empty_sched = pd.DataFrame(columns=["received", "file_id", "project_id", "q1_node", "q2_node", "q3_node", "q4_node"])
    return YearData(2025, pd.DataFrame(plan), pd.DataFrame(), reports,
                    pd.DataFrame(columns=["file_id", "department", "period", "version", "received"]),
                    pd.DataFrame(columns=["project_id", "start_date"]), empty_sched, {"problems": pd.DataFrame()},
                    pd.DataFrame(), pd.DataFrame(), reports.copy())


def june(result):
    return next(c for c in result["commencement"] if c["date"] == "2025-06-30")


def september(result):
    return next(c for c in result["commencement"] if c["date"] == "2025-09-30")


def test_kaplan_meier_by_hand():
    # slips 0 (kept), 12 (still unstarted: censored), 22: the censored mass moves to the one to its right
    pmf = km_pmf([0, 12, 22], [False, True, False])
    assert pmf.sum() == pytest.approx(1.0)
    lo, w = -60, 5
    assert pmf[(0 - lo) // w] == pytest.approx(1 / 3)
    assert pmf[(22 - lo) // w] == pytest.approx(2 / 3)
    assert km_pmf([5, 400], [False, False])[-1] == pytest.approx(0.5)  # beyond the grid: not this year


def test_the_prior_late_share_starts_within_prior_late_days(monkeypatch):
    """The prior's late promises start within prior_late_days after its spread, not anywhere up to the
    grid's end: spread 10, late days 40, late share 0.3, never 0.05 → slips 11..50 carry 0.3 (the bins
    from 10 to 54 hold it with the kept slip 10), nothing later but "not this year" 0.05."""
    from alxa_lib.figures.forecast import prior_pmf
    with_params(monkeypatch, "forecast", prior_spread_days=10, prior_late_days=40, prior_late_share=0.3,
                prior_never_share=0.05)
    pmf, lo, w = prior_pmf(), -60, 5
    kept_each = (1 - 0.3 - 0.05) / 21  # slips −10..10
    assert pmf[-1] == pytest.approx(0.05)
    assert pmf[(55 - lo) // w:-1].sum() == pytest.approx(0.0)  # slips ≥ 55: none start so late
    assert pmf[(10 - lo) // w:(55 - lo) // w].sum() == pytest.approx(0.3 + kept_each)
    assert pmf[:(10 - lo) // w].sum() == pytest.approx(20 * kept_each)


def test_keepers_give_what_the_promises_imply():
    """20 kept promises; of 10 unstarted, 6 promise 06-20 (before 06-30) and 4 promise 08-01.
    Promises imply (20+6)/30 = 86.7 % at 06-30 ≥ 70 %: p_reach ≈ 1. With 2 promising 06-20 instead
    and 5 more started projects missing... (see the second case) the promises imply 22/30 < 70 %... no:
    15 started + 5 promising in June = 20/30 = 66.7 % < 70 %: p_reach ≈ 0."""
    keep = build([("守信局", 0)] * 20, [("守信局", D(2025, 6, 20))] * 6 + [("守信局", D(2025, 8, 1))] * 4)
    r = forecast(keep, AS_OF)
    # (within one project: the prior's late share, shrunk into the department, keeps a little doubt)
    assert june(r)["point"] == pytest.approx(26 / 30, abs=1 / 30)
    assert june(r)["p_reach"] >= 0.95
    assert september(r)["point"] == pytest.approx(1.0, abs=0.02)
    short = build([("守信局", 0)] * 15, [("守信局", D(2025, 6, 20))] * 5 + [("守信局", D(2025, 8, 1))] * 10)
    s = forecast(short, AS_OF)
    assert june(s)["point"] == pytest.approx(20 / 30, abs=1 / 30)
    assert june(s)["p_reach"] <= 0.05


@pytest.fixture()
def no_prior(monkeypatch):
    """The prior "promises kept" weighs ~0 and a department is shrunk with one pseudo-project only:
    the forecast then follows the department's own behaviour; no shared shock and no reporting lag (the
    starts of these histories are reported up to a fortnight late, which would move every June promise),
    and no spread floor (what the simulation does not draw, §11.3, is not what these tests are about)."""
    with_params(monkeypatch, "forecast", prior_weight=1e-9, prior_never_share=0.0, shock_banner=0.0,
                shock_department=0.0, max_lag_days=0, shrinkage=1, spread_floor=0.0)


def test_a_department_that_slips_30_days_moves_the_forecast(no_prior):
    """Same promises, but every past promise started 30 days late: the June promises land in July."""
    unstarted = [("拖延局", D(2025, 6, 20))] * 6 + [("拖延局", D(2025, 8, 1))] * 4
    slip = forecast(build([("拖延局", 30)] * 20, unstarted), AS_OF)
    keep = forecast(build([("拖延局", 0)] * 20, unstarted), AS_OF)
    assert june(slip)["point"] == pytest.approx(20 / 30, abs=0.02)  # none of the 10 by 06-30
    assert june(keep)["point"] - june(slip)["point"] == pytest.approx(6 / 30, abs=0.03)
    assert september(slip)["point"] == pytest.approx(1.0, abs=0.02)  # 07-20 and 08-31 are ≤ 09-30
    assert june(slip)["p_reach"] <= 0.05 and june(keep)["p_reach"] >= 0.95
    rel = {d["department"]: d for d in slip["departments"]}["拖延局"]
    assert rel["kept_share"] == 0.0 and rel["median_slip_days"] == 30.0 and rel["promises"] == 30  # 10 pending


def test_slips_move_the_forecast_with_the_default_prior():
    """With the prior "promises kept" in the banner, 20 slipped promises still pull June down by most
    of the 6 projects the June promises imply (shrinkage keeps some doubt, §11.2)."""
    unstarted = [("拖延局", D(2025, 6, 20))] * 6 + [("拖延局", D(2025, 8, 1))] * 4
    slip = forecast(build([("拖延局", 30)] * 20, unstarted), AS_OF)
    keep = forecast(build([("拖延局", 0)] * 20, unstarted), AS_OF)
    assert june(keep)["point"] - june(slip)["point"] >= 4 / 30
    assert june(slip)["p_reach"] < june(keep)["p_reach"]


def test_the_interval_widens_with_fewer_observations(no_prior):
    """Half of the past promises kept, half 30 days late; 30 unstarted promise 06-20. The same 40
    started projects, of which 40 or 4 have a promise history: the same behaviour, known less well."""
    unstarted = [("一半局", D(2025, 6, 20))] * 30
    many = forecast(build([("一半局", 0), ("一半局", 30)] * 20, unstarted), AS_OF)
    few = forecast(build([("一半局", 0), ("一半局", 30)] * 2, unstarted, started_quiet=36), AS_OF)
    width = [june(x)["high"] - june(x)["low"] for x in (many, few)]
    assert width[1] > width[0]
    assert june(many)["point"] == pytest.approx(june(few)["point"], abs=0.06)  # about half of them in both


def test_a_target_already_reached_has_p_reach_1():
    r = forecast(build([("守信局", 0)] * 25, [("守信局", D(2025, 12, 1))] * 5), AS_OF)
    assert june(r)["p_reach"] == 1.0 and june(r)["low"] >= 25 / 30
    assert [d["project_id"] for d in r["deciding_projects"]]  # ranked for 09-30, the next target not reached


def test_no_history_falls_back_and_says_so():
    r = forecast(build([("守信局", 0)] * 10, [("新来局", D(2025, 6, 20))] * 2), AS_OF)
    new = {d["department"]: d for d in r["departments"]}["新来局"]
    assert new["fallback"] is True and new["kept_share"] is None
    assert any("新来局" in n for n in r["_notes"])


def test_bad_promises_are_handled():
    """A promise already past, one next year, one missing (→ planned start 05-01, also past)."""
    data = build([("守信局", 0)] * 10, [("守信局", D(2025, 5, 1)), ("守信局", D(2026, 3, 1)), ("守信局", None)])
    r = forecast(data, AS_OF)
    projects = r["_projects"].set_index("project_id")
    assert projects.loc["U01", "p_2025-10-31"] == pytest.approx(0.0, abs=0.01)  # next year: not by 10-31
    assert projects.loc["U02", "basis"] == "planned"
    assert all(0 <= c["low"] <= c["high"] <= 1 and 0 <= c["point"] <= 1 for c in r["commencement"])
    assert any("未填预计开工时间" in n for n in r["_notes"])


def test_after_october_there_is_no_commencement_forecast():
    r = forecast(build([("守信局", 0)] * 10, [("守信局", D(2025, 12, 1))]), D(2025, 11, 14))
    assert r["commencement"] == [] and r["deciding_projects"] == []
    assert set(contract(r)) == {"as_of", "commencement", "investment", "departments", "deciding_projects"}


def test_promise_history_records_moves_and_outcomes():
    data = build([("守信局", 0)], [])
    rows = data.promises.to_dict("records")
    rows.insert(1, dict(rows[0], period=D(2025, 3, 20), version=2, expected_start=D(2025, 4, 20)))  # moved later
    data.promises = pd.DataFrame(rows)
    t = promise_table(data, AS_OF)
    assert list(t["promised"]) == [D(2025, 4, 10), D(2025, 4, 20), D(2025, 4, 10)]
    assert list(t["moved"]) == [True, True, False] and list(t["moved_back"]) == [False, True, False]
    assert list(t["slip_days"]) == [0, -10, 0] and set(t["outcome"]) == {"kept"}
    rel = reliability(t, ["守信局"]).iloc[0]
    assert rel["moved"] == 2 and rel["kept_share"] == 1.0 and not np.isnan(rel["p80_slip_days"])


# ---------------------------------------------------------------- on the sample year
@pytest.fixture(scope="module")
def sample_year(ledger_db):
    import duckdb

    from alxa_lib.figures.state import load_year
    db, _ = ledger_db
    con = duckdb.connect(str(db), read_only=True)
    try:
        return load_year(con, 2025)
    finally:
        con.close()


def test_cli_forecast_json_contract(ledger_db, truth):
    import json
    import subprocess
    import sys
    db, _ = ledger_db
    out = subprocess.run([sys.executable, "-m", "alxa_lib.cli", "forecast", "--as-of", "2025-06-14", "--db", str(db),
                          "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr

    def no_nan(name):
        raise AssertionError(f"{name} in the JSON")
    f = json.loads(out.stdout, parse_constant=no_nan)
    assert set(f) == {"as_of", "commencement", "investment", "departments", "deciding_projects"}
    assert f["as_of"] == "2025-06-14"
    assert [c["date"] for c in f["commencement"]] == ["2025-06-30", "2025-09-30", "2025-10-31"]
    for c in f["commencement"]:
        assert set(c) == {"date", "target", "point", "low", "high", "p_reach"}
        assert 0 <= c["low"] <= c["high"] <= 1 and 0 <= c["point"] <= 1 and 0 <= c["p_reach"] <= 1
    assert [c["target"] for c in f["commencement"]] == [t["rate"] for t in params.load("monitoring")["commencement_targets"]]
    assert set(f["investment"]) == {"point", "low", "high"} and 0 <= f["investment"]["low"] <= f["investment"]["high"]
    kc_depts = {p["department"] for p in truth["projects"].values() if p["class"] == "KC"}
    assert {d["department"] for d in f["departments"]} == kc_depts
    for d in f["departments"]:
        assert set(d) == {"department", "promises", "kept_share", "median_slip_days", "moved", "fallback"}
        assert d["kept_share"] is None or 0 <= d["kept_share"] <= 1
    assert 1 <= len(f["deciding_projects"]) <= params.load("forecast")["deciding_projects"]
    for p in f["deciding_projects"]:
        assert set(p) == {"project_id", "name", "department", "promised", "p_start_by_next_target"}
        start = truth["projects"][p["project_id"]]["actual_start"]
        assert start is None or start > "2025-06-14"  # only unstarted projects can be pushed
        assert p["promised"] is None or dt.date.fromisoformat(p["promised"]) > AS_OF


def test_reliability_follows_the_sample_promise_behaviour(sample_year, truth):
    """truth.json's promise_behaviour: slippers and last-minute movers keep fewer promises than keepers."""
    behaviour = truth["promise_behaviour"]
    assert set(behaviour.values()) == {"keeper", "slipper", "last_minute"}
    r = forecast(sample_year, D(2025, 9, 28))
    share = {d["department"]: d["kept_share"] for d in r["departments"] if d["kept_share"] is not None}
    moved = {d["department"]: d["moved"] for d in r["departments"]}
    keepers = [share[d] for d, b in behaviour.items() if b == "keeper" and d in share]
    others = [share[d] for d, b in behaviour.items() if b != "keeper" and d in share]
    assert max(others) < np.mean(keepers)
    slippers = [d for d, b in behaviour.items() if b == "slipper"]
    assert min(moved[d] for d in slippers) > max(moved[d] for d, b in behaviour.items() if b == "keeper")


def test_reports_show_the_forecast(sample_year):
    from alxa_lib.reports.content.brief import build_brief
    from alxa_lib.reports.content.forecast_report import reliability_as_of
    from alxa_lib.reports.content.forecast_words import sentence
    from alxa_lib.reports.content.meeting import meeting_pack
    from alxa_lib.reports.rendering import charts
    brief = build_brief(sample_year, D(2025, 6, 14))
    assert brief.forecast == sentence(forecast(sample_year, D(2025, 6, 14)), 0)  # the words: forecast_words
    actual, band = brief.tables["_fan_actual"], brief.tables["_fan_band"]
    assert len(actual) == 11 and actual["date"].iloc[-1] == D(2025, 6, 14)  # every due date so far
    assert list(band["point"].iloc[1:]) == [x["point"] for x in forecast(sample_year, D(2025, 6, 14))["commencement"]]
    fan = charts.forecast_fan(actual, band, "开复工率：实际与预测")
    targets = fan.axes[0].lines[1].get_ydata()  # one marker per target date that has a target
    assert fan.axes[0].get_title() == "开复工率：实际与预测" and (~pd.isna(targets)).sum() == band["target"].notna().sum()
    pack = meeting_pack(sample_year, 2025, 6)
    assert list(pack.tables["reliability"].columns)[:3] == ["单位", "承诺次数", "已兑现"]
    assert 1 <= len(pack.tables["deciding"]) <= 5
    assert ("承诺兑现", pack.tables["reliability"]) in pack.sheets()
    q = reliability_as_of(sample_year, D(2025, 6, 28))  # what quarter_report shows (rendered: test_evaluation_reports)
    assert len(q) and set(q["单位"]) <= {d["department"] for d in forecast(sample_year, D(2025, 6, 28))["departments"]}


def test_one_forecast_is_pure_and_seeded(sample_year):
    a = contract(forecast(sample_year, D(2025, 5, 14)))
    sample_year.memo.clear()
    assert contract(forecast(sample_year, D(2025, 5, 14))) == a


def test_year_end_investment_continues_each_project_over_its_working_window(monkeypatch):
    """Ten projects started 04-10 with 100 of their 1,000 done on 06-14: 65 of the 218 days of their working
    window (04-10 to 11-14, the day before the winter stop) gone, so each ends the year at 100 × 218 / 65
    (its own pace over the rest of its window, §11.4); the plan's nodes and December play no part. The shared
    pace factor (pace_shock) spreads the interval around that point."""
    data = build([("守信局", 0)] * 10, [])
    expected = 100 * 218 / 65 / 1000
    got = forecast(data, AS_OF)["investment"]
    assert got["point"] == pytest.approx(expected, abs=0.002) and got["low"] < expected < got["high"]
    spread = got["high"] - got["low"]
    assert 0.5 * (expected - 0.1) * 0.05 < spread < 4 * (expected - 0.1) * 0.05  # ± about 1.3 sd of what is ahead
    with_params(monkeypatch, "forecast", pace_shock=0.0)
    data.memo.clear()
    got = forecast(data, AS_OF)["investment"]
    assert got["point"] == pytest.approx(expected, abs=1e-9) and got["high"] - got["low"] == pytest.approx(0, abs=1e-9)


def test_nothing_is_added_once_the_winter_stop_has_begun():
    data = build([("守信局", 0)] * 10, [])
    got = forecast(data, D(2025, 11, 28))["investment"]
    assert got == {"point": pytest.approx(0.1), "low": pytest.approx(0.1), "high": pytest.approx(0.1)}


def test_a_start_later_than_planned_loses_the_share_of_its_window_gone_by():
    from alxa_lib.figures.forecast_investment import _window_left
    stop = D(2025, 11, 14)
    assert _window_left(D(2025, 4, 14), stop, D(2025, 5, 1), D(2025, 5, 1)) == 1.0  # on plan: the whole plan
    assert _window_left(D(2025, 4, 14), stop, D(2025, 5, 1), D(2025, 8, 1)) == pytest.approx(105 / 197)
    assert _window_left(D(2025, 6, 14), stop, D(2025, 5, 1), D(2025, 6, 20)) == pytest.approx(147 / 153)  # from D
    assert _window_left(D(2025, 4, 14), stop, D(2025, 5, 1), D(2025, 12, 1)) == 0.0


# ---------------------------------------------------------------- issue 25: an honest forecast
def test_an_open_target_is_never_certain_and_the_words_say_how_likely():
    """The keepers of test_keepers_give_what_the_promises_imply: every simulation reaches 06-30, yet the target
    is open (15 of 30 started, 21 needed), so p_reach stays at 1 − p_floor and the brief says 很可能, not 100 %."""
    from alxa_lib.reports.content.forecast_words import sentence
    floor = float(params.load("forecast")["p_floor"])
    r = forecast(build([("守信局", 0)] * 15, [("守信局", D(2025, 6, 20))] * 12 + [("守信局", D(2025, 8, 1))] * 3),
                 AS_OF)
    assert floor <= june(r)["p_reach"] <= 1 - floor and june(r)["p_reach"] >= 0.9
    text = sentence(r, 0)
    assert "很可能达到70%目标" in text and "100%" not in text and "可能性为" not in text
    assert f"{june(r)['low'] * 100:.1f}%～{june(r)['high'] * 100:.1f}%" in text


def test_the_interval_of_an_open_target_is_never_a_point(no_prior):
    """10 kept, 5 unstarted promising 06-20: every simulation starts all five (15 of 15), a point interval;
    06-30 (70 %: 11 needed, 10 started) is open, so the interval spans one project below: 14/15–15/15."""
    r = forecast(build([("守信局", 0)] * 10, [("守信局", D(2025, 6, 20))] * 5), AS_OF)
    assert june(r)["high"] == pytest.approx(1.0) and june(r)["low"] == pytest.approx(14 / 15)


def test_graded_words_reached_and_unreachable_targets():
    from alxa_lib.reports.content.forecast_words import chance_word, target_sentence
    words = params.load("forecast")["chance_words"]
    for floor, word in words:
        assert chance_word(float(floor)) == word
    c = {"date": "2025-06-30", "target": 0.7, "point": 0.66, "low": 0.6, "high": 0.72, "p_reach": 0.999}
    open_text = target_sentence(c, 5, 3, 10)
    assert open_text == ("按各单位承诺的开工时间测算，6月底开复工率预计在60.0%～72.0%之间（点预测66.0%），"
                         "很可能达到70%目标（可能性约99%）。")
    assert target_sentence(dict(c, p_reach=0.5), 5, 3, 10).endswith("能否达到70%目标存在不确定性（可能性约50%）。")
    assert target_sentence(dict(c, p_reach=0.001), 5, 3, 10).endswith("很难达到70%目标（可能性约1%）。")
    assert target_sentence(c, 7, 3, 10) == "6月底开复工率70%的目标已提前完成（目前已开复工7个项目，开复工率70.0%）。"
    assert target_sentence(c, 5, 1, 10) == "6月底开复工率70%的目标已无法实现（未开工项目仅1个，全部开工后开复工率为60.0%）。"


def test_a_start_reported_late_counts_when_it_is_reported():
    """Every past start (04-10) was first reported on 04-14: a reporting lag of 4 days. A keeper promising 06-28
    starts by 06-30 but is reported only on 07-14: the rate reported on 06-30 does not include it."""
    from alxa_lib.figures.forecast import reporting_lag
    data = build([("守信局", 0)] * 20, [("守信局", D(2025, 6, 28))] * 10)
    lag = reporting_lag(data, AS_OF)
    assert lag[4] == pytest.approx(1.0)
    r = forecast(data, AS_OF)
    assert june(r)["point"] < (20 + 5) / 30  # reported by 06-30: a start by 06-26, against the 06-28 promises
    assert r["_projects"]["p_2025-06-30"].mean() < 0.5 < r["_projects"]["p_2025-09-30"].mean()


def test_a_department_whose_promises_fall_due_without_a_start_is_forecast_late():
    """Ten kept promises in one department; another's six promises all fell due 60 days ago without a start
    (censored). A new promise of each for 06-25: the one from the department that keeps none is less likely."""
    data = build([("守信局", 0)] * 10, [("失信局", D(2025, 4, 15))] * 6 + [("守信局", D(2025, 6, 25)),
                                                                          ("失信局", D(2025, 6, 25))])
    hist = data.promises
    data = YearData(2025, data.plan_rows, data.adjustments, data.reports, data.versions, data.starts, data.schedules,
                    data.registers, data.findings, data.version_projects,
                    pd.concat([hist, hist[hist["department"] == "失信局"].assign(period=D(2025, 3, 28))]))
    p = forecast(data, AS_OF)["_projects"].set_index("project_id")["p_2025-09-30"]
    assert p["U07"] < p["U06"] - 0.1


def test_stress_worlds_leave_the_ordinary_year_alone():
    from alxa_lib.sample.story import SampleYear
    plain = {p.pid: p.actual_start for p in SampleYear(2025, 7).projects}
    bad = SampleYear(2025, 7, stress="bad_season")
    assert bad.believed and all(plain[pid] in (d, None) for pid, d in bad.believed.items())  # promised: the ordinary start
    late = [(bad.project(pid).actual_start, d) for pid, d in bad.believed.items()]
    assert all(a is None or (a - d).days >= 10 for a, d in late)
    stops = SampleYear(2025, 7, stress="stops_keeping")
    depts = {stops.project(pid).department for pid in stops.believed}
    assert len(depts) == 1 and all(stops.project(pid).planned_start >= D(2025, 6, 1) for pid in stops.believed)
    with pytest.raises(ValueError):
        SampleYear(2025, 7, stress="nonsense")


def test_backtest_judges_open_pairs_only():
    """Two open pairs and one foregone: coverage, MAE, Brier and confident wrong calls by hand."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("bt", Path(__file__).resolve().parent.parent / "bench" / "backtest_forecast.py")
    bt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bt)
    row = {"as_of": "2025-05-14", "horizon": 47, "no_more_starts": 0.5, "promises_kept": 0.8, "seed": 1}
    rows = [dict(row, target="2025-06-30", state="open", actual=0.72, reached=True, point=0.70, low=0.65, high=0.75,
                 p_reach=0.6, p_promises_kept=1.0),
            dict(row, target="2025-06-30", state="open", actual=0.60, reached=False, point=0.70, low=0.65, high=0.75,
                 p_reach=0.97, p_promises_kept=1.0),
            dict(row, target="2025-09-30", state="reached", actual=0.95, reached=True, point=0.9, low=0.9, high=0.9,
                 p_reach=1.0, p_promises_kept=1.0)]
    s = bt.summarise([{"rows": rows, "investment": [], "seconds": [0.1]}])
    o = s["open"]
    assert (s["pairs"], s["foregone"], o["n"]) == (3, 1, 2)
    assert o["coverage_80"] == 0.5 and (o["below"], o["above"]) == (1, 0)
    assert o["mae_forecast"] == pytest.approx((0.02 + 0.10) / 2)
    assert o["mae_no_more_starts"] == pytest.approx((0.22 + 0.10) / 2)
    assert o["brier"] == pytest.approx((0.4 ** 2 + 0.97 ** 2) / 2) and o["brier_half"] == pytest.approx(0.25)
    assert o["brier_promises_kept"] == pytest.approx(0.5)
    assert (s["confident_calls"], s["confident_wrong"]) == (1, 1)
    assert list(s["by_horizon"][">45"].keys())[0] == "n" and s["by_horizon"][">45"]["n"] == 2


def test_spread_scale_tempers_interval_and_p_reach_around_the_same_point(monkeypatch):
    """spread_scale narrows the simulated count around its mean: the point stays, the interval shrinks in
    proportion (at 0.5, to about half), and p_reach reads the same tempered counts (it moves away from ½)."""
    with_params(monkeypatch, "forecast", spread_scale=1.0, spread_floor=0.0)
    data = build([("拖延局", 0)] * 6 + [("拖延局", 20)] * 6, [("拖延局", D(2025, 6, 22))] * 12, started_quiet=8)
    wide = june(forecast(data, AS_OF))
    with_params(monkeypatch, "forecast", spread_scale=0.5, spread_floor=0.0)
    narrow = june(forecast(build([("拖延局", 0)] * 6 + [("拖延局", 20)] * 6, [("拖延局", D(2025, 6, 22))] * 12,
                                 started_quiet=8), AS_OF))
    assert narrow["point"] == pytest.approx(wide["point"])
    assert (narrow["high"] - narrow["low"]) == pytest.approx((wide["high"] - wide["low"]) / 2, rel=0.15)
    assert abs(narrow["p_reach"] - 0.5) >= abs(wide["p_reach"] - 0.5)


def test_the_method_note_takes_its_numbers_and_words_from_the_parameters(monkeypatch):
    """The brief's note on how the forecast is made: simulations, graded words and the last target date are
    the parameters' (a change there changes the note), never typed into the notebook."""
    from alxa_lib.reports.content.forecast_words import method_note
    note = method_note(2025)
    assert "模拟2000次" in note and "（很可能、有望、存在不确定性、难度较大、很难；" in note and "10月31日以后不再预测" in note
    with_params(monkeypatch, "forecast", simulations=500, chance_words=[[0.5, "较有把握"], [0.0, "把握不大"]])
    with_params(monkeypatch, "monitoring", commencement_targets=[{"date": "06-30", "rate": 0.7},
                                                                  {"date": "09-30", "rate": 0.9}])
    note = method_note(2025)
    assert "模拟500次" in note and "（较有把握、把握不大；" in note and "9月30日以后不再预测" in note


def test_spread_floor_keeps_about_a_project_either_way_when_every_simulation_agrees():
    """spread_floor is added to the tempered variance (§11.3). Every simulation gives 10 starts: spread over
    ± half a project the count is uniform with variance 1/12; scale 0.6 and floor 0.5 make its variance
    0.36/12 + 0.5 = 0.53, a uniform of half-width √(3 · 0.53) = 1.261, whose 10th–90th percentiles are
    10 ∓ 0.8 · 1.261 = 10 ∓ 1.009 — without the floor 10 ∓ 0.24. A wide count (half 5, half 15: variance
    25 + 1/12) is tempered by √(0.36 + 0.5 / 25.083) = 0.6164 instead of 0.6: the floor hardly moves it."""
    from alxa_lib.figures.forecast import _summary
    cfg = {**params.load("forecast"), "spread_scale": 0.6}
    agree = np.full(2000, 10)

    def summary(counts, floor):
        return _summary(counts, 5, 12, float(counts.mean()) - 5, 20, D(2025, 6, 30), 0.7, {**cfg, "spread_floor": floor})
    with_floor, without = summary(agree, 0.5), summary(agree, 0.0)
    assert with_floor["low"] * 20 == pytest.approx(10 - 1.009, abs=0.03)
    assert with_floor["high"] * 20 == pytest.approx(10 + 1.009, abs=0.03)
    assert (without["high"] - without["low"]) * 20 == pytest.approx(1.0)  # 0.48 wide: widened to one project
    assert with_floor["point"] == without["point"] == pytest.approx(0.5)
    wide = np.array([5, 15] * 1000)
    ratio = ((summary(wide, 0.5)["high"] - summary(wide, 0.5)["low"])
             / (summary(wide, 0.0)["high"] - summary(wide, 0.0)["low"]))
    assert ratio == pytest.approx(0.6164 / 0.6, rel=0.002)
