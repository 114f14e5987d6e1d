"""The forecast of docs/measures.md §11: the commencement rate at each target date after the as-of
date (point, 80 % interval, probability of reaching the target), the year-end investment completion,
and the deciding projects. A pure function of a :class:`YearData` and a date, seeded.

Method (§11.2, §11.3): each department's slip distribution (start − promised date, days) is the
Kaplan–Meier estimate over its promises so far (a promise not yet kept is censored), shrunk towards
the banner-wide distribution (which is itself shrunk towards "promises kept" for the first periods);
each simulation draws every department's distribution from a Dirichlet around it (fewer promises →
more spread), then each unstarted project starts by a target date with probability
P(slip ≤ T − promise | slip > as-of − promise), read both from its current promise and from its first one
(``first_promise_weight``), and counts when the start is *reported* (the reporting lag). Projects fail
together through shocks shared by the banner and by each department; a small prior share of promises
does not start this year. The simulated count is tempered around its mean (``spread_scale``, with a floor
``spread_floor`` added to its variance) for the interval and p_reach alike. An open target is never certain (``p_floor``) and its interval never a point.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from alxa_lib import params
from alxa_lib import periods as cal
from alxa_lib.figures.promises import promise_table, reliability
from alxa_lib.figures.state import YearData, on_or_before, project_state, started_ids


def _cfg() -> dict[str, Any]:
    return params.load("forecast")


# ---------------------------------------------------------------- slip distributions (§11.2)
def _grid(cfg) -> tuple[int, int, int]:
    lo, hi = (int(x) for x in cfg["slip_range_days"])
    w = int(cfg["bin_days"])
    return lo, w, math.ceil((hi - lo) / w)


def km_pmf(slips, censored, cfg=None, weights=None) -> np.ndarray:
    """Weighted Kaplan–Meier (redistribute-to-the-right) mass of the slip over the bins, the last entry
    being "later than the grid / not this year". Zeros when there is no promise."""
    cfg = cfg or _cfg()
    lo, w, nb = _grid(cfg)
    pmf = np.zeros(nb + 1)
    x = np.asarray(slips, dtype=float)
    c = np.asarray(censored, dtype=bool)
    wt = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    if len(x) == 0 or wt.sum() <= 0:
        return pmf
    order = np.lexsort((c, x))  # ascending slip; at a tie the kept-by-then (observed) come first
    x, c, wt = x[order], c[order], wt[order]
    after = wt[::-1].cumsum()[::-1] - wt  # weight strictly after each point
    bins = np.where(x >= lo + nb * w, nb, np.clip(((x - lo) // w).astype(int), 0, nb - 1))
    mult = 1.0
    for i in range(len(x)):
        if c[i]:
            if after[i] > 1e-12:
                mult *= 1 + wt[i] / after[i]
            else:
                pmf[nb] += mult * wt[i]
        else:
            pmf[bins[i]] += mult * wt[i]
    return pmf / pmf.sum()


def _prior_points(cfg) -> tuple[np.ndarray, np.ndarray]:
    """The prior as pseudo-promises (weights sum to 1): kept within ± prior_spread_days, or with share
    prior_late_share started later, uniformly over prior_late_days after the spread (to the grid's end when
    not given), or with share prior_never_share not this year (beyond the grid)."""
    lo, w, nb = _grid(cfg)
    spread, late = int(cfg["prior_spread_days"]), float(cfg["prior_late_share"])
    never = float(cfg.get("prior_never_share", 0.0))
    kept = np.arange(-spread, spread + 1, dtype=float)
    # the late ones start within prior_late_days after the spread (to the grid's end when not given)
    late_days = cfg.get("prior_late_days")
    later = np.arange(spread + 1, lo + nb * w if late_days is None else min(lo + nb * w, spread + 1 + int(late_days)),
                      dtype=float)
    return (np.concatenate([kept, later, [lo + nb * w + w / 2]]),
            np.concatenate([np.full(len(kept), (1 - late - never) / len(kept)),
                            np.full(len(later), late / len(later)), [never]]))


def prior_pmf(cfg=None) -> np.ndarray:
    cfg = cfg or _cfg()
    x, wt = _prior_points(cfg)
    return km_pmf(x, np.zeros(len(x), dtype=bool), cfg, wt)


def slip_models(table: pd.DataFrame, departments: list[str], cfg=None) -> dict[str, tuple[np.ndarray, float]]:
    """Department → (slip mass, effective number of promises); key None is the banner (§11.2).

    A department's estimate is the Kaplan–Meier estimate of its promises with the banner-wide behaviour
    added as ``shrinkage`` weighted pseudo-promises, so a promise still unkept passes its mass on to the
    later part of the banner's behaviour rather than to "never". The banner-wide behaviour is that of
    the typical department: the mean of the departments' own estimates, each weighted n / (n +
    shrinkage) (n its kept and broken promises: a department counts at most once, however many
    promises it gives), plus the prior "promises kept" with weight ``prior_weight`` departments."""
    cfg = cfg or _cfg()
    lo, w, nb = _grid(cfg)
    x = table["slip_days"].to_numpy(dtype=float)
    c = table["censored"].to_numpy(dtype=bool)
    resolved = (table["outcome"] != "pending").to_numpy()
    dept = table["department"].to_numpy()
    per_project = table.groupby("project_id")["project_id"].transform("size").to_numpy(dtype=float)
    # a project's promises share one unit of weight (power 1) or each counts more (power < 1): a department
    # whose projects break promise after promise weighs against the banner-wide behaviour it is shrunk to
    unit = per_project ** -float(cfg.get("promise_unit_power", 1.0)) if len(table) else np.zeros(0)
    k0, k = float(cfg["prior_weight"]), float(cfg["shrinkage"])
    centers = lo + w * (np.arange(nb + 1) + 0.5)

    def shrunk(mine, towards):  # KM of the department's promises plus ``towards`` as k pseudo-projects
        return km_pmf(np.concatenate([x[mine], centers]), np.concatenate([c[mine], np.zeros(nb + 1, bool)]), cfg,
                      np.concatenate([unit[mine], k * towards]))

    def n_of(mine):  # the weight of its kept and broken promises (projects, when power 1)
        return float(unit[mine & resolved].sum())

    prior = prior_pmf(cfg)
    total, weight = k0 * prior, k0
    for d in departments:
        mine = dept == d
        n_d = n_of(mine)
        if n_d:
            total, weight = total + n_d / (n_d + k) * shrunk(mine, prior), weight + n_d / (n_d + k)
    banner = total / weight
    out: dict = {None: (banner, weight)}
    for d in departments:
        mine = dept == d
        n_d = n_of(mine)
        out[d] = (shrunk(mine, banner) if n_d else banner, n_d + k)
    return out


def _cdf(edges: np.ndarray, g: np.ndarray, x: np.ndarray, cfg) -> np.ndarray:
    """P(slip ≤ x) per simulation for projects of groups ``g`` and integer days ``x`` (n,), from the
    cumulative bin edges (sims, groups, nb+1); linear within a bin."""
    lo, w, nb = _grid(cfg)
    pos = np.clip((x + 1 - lo) / w, 0, nb)
    k = np.minimum(np.floor(pos).astype(int), nb - 1)
    frac = pos - k
    left, right = edges[:, g, k], edges[:, g, k + 1]
    return left + frac * (right - left)


def reporting_lag(data: YearData, day: dt.date) -> np.ndarray:
    """The reporting lag's mass over 0..``max_lag`` days, banner-wide, from the projects known started by
    ``day``: the days from a start to the first report due that shows it (0 when a start report shows it,
    since a start report counts on its start date, §9.3). A start near a target date is often reported only
    after it, and the rate the brief compares with the target is the rate reported then (§11.3)."""
    from alxa_lib.vocab import STARTED_STATUSES
    top = int(_cfg()["max_lag_days"])
    lags = np.zeros(top + 1)
    r = data.reports
    if len(r):
        r = r[r["project_id"].notna() & r["status"].isin(STARTED_STATUSES)
              & (r["period"] <= day) & r["start_date"].map(lambda d: isinstance(d, dt.date) and d.year == data.year)]
        first = r.groupby("project_id").agg(period=("period", "min"), start=("start_date", "min"))
        with_report = set(data.starts.loc[on_or_before(data.starts["start_date"], day), "project_id"].dropna())
        days = np.array([(p - s).days for p, s in zip(first["period"], first["start"])], dtype=int)
        days = np.where(first.index.isin(with_report), 0, np.clip(days, 0, top))
        lags += np.bincount(days, minlength=top + 1)[:top + 1]
    lags[0] += 1e-9  # (no start known yet: no lag)
    return lags / lags.sum()


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal distribution function (Abramowitz–Stegun 7.1.26, error below 1.5e-7)."""
    z = np.abs(x) / math.sqrt(2)
    t = 1 / (1 + 0.3275911 * z)
    y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t \
        * np.exp(-z * z)
    return 0.5 * (1 + np.sign(x) * y)


def shared_uniforms(rng: np.random.Generator, n_sim: int, g: np.ndarray, cfg) -> np.ndarray:
    """sims × projects uniforms that move together: a project starts in a simulation when its uniform is below
    its probability, and a shock shared by the whole banner (share ``shock_banner`` of the variance) and one
    shared by each department (``shock_department``) make projects fail together, as in a bad season; each
    project keeps its own probability (§11.3)."""
    rb, rd = float(cfg["shock_banner"]), float(cfg["shock_department"])
    n_groups = int(g.max()) + 1 if len(g) else 0
    z = (math.sqrt(rb) * rng.standard_normal((n_sim, 1)) + math.sqrt(rd) * rng.standard_normal((n_sim, n_groups))[:, g]
         + math.sqrt(max(0.0, 1 - rb - rd)) * rng.standard_normal((n_sim, len(g))))
    return _phi(z)


# ---------------------------------------------------------------- the unstarted projects
def unstarted(data: YearData, day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """(KC plan in force, its unstarted projects with their current promise and its basis, started ids).
    No promise → the planned start (basis 'planned'), else the as-of date (basis 'none') (§11.2)."""
    plan = data.plan_on(day)
    kc = plan[plan["class"] == "KC"]
    state = project_state(data, day)
    started = started_ids(data, day, state) & set(kc["project_id"])
    todo = kc[~kc["project_id"].isin(started)][["project_id", "name", "department", "planned_start"]].copy()
    promised = state["expected_start"].reindex(todo["project_id"]).to_numpy()
    basis, prom = [], []
    for e, planned in zip(promised, todo["planned_start"]):
        if isinstance(e, dt.date):
            basis.append("promise"), prom.append(e)
        elif isinstance(planned, dt.date):
            basis.append("planned"), prom.append(planned)
        else:
            basis.append("none"), prom.append(day)
    todo["promised"], todo["basis"] = prom, basis
    return kc, todo.reset_index(drop=True), started


def start_probabilities(data: YearData, day: dt.date, dates: list[dt.date], cfg=None, reported: int = 0):
    """(KC plan, unstarted frame, started ids, sims × projects × dates probabilities, promise table). For the
    first ``reported`` dates the probability is that of a start *reported* by then (the reporting lag).

    A project's probability mixes two readings of its promises (weight ``first_promise_weight`` on the second):
    its current promise against the slips of all its department's promises, and its first promise against the
    slips of its department's first promises — a project whose date was moved again and again is as late as
    its first promise says, not as its latest (§11.2)."""
    cfg = cfg or _cfg()
    kc, todo, started = unstarted(data, day)
    table = promise_table(data, day)
    n_sim = int(cfg["simulations"])
    probs = np.zeros((n_sim, len(todo), len(dates)))
    if not len(todo):
        return kc, todo, started, probs, table
    depts = sorted(set(kc["department"].dropna()) | set(todo["department"].dropna()))
    lag = reporting_lag(data, day) if reported else np.ones(1)
    rng = np.random.default_rng(int(cfg["seed"]))
    w = float(cfg.get("first_promise_weight", 0.0))
    readings = [(1 - w, table, todo["promised"])]
    if w > 0:
        first = table.drop_duplicates("project_id", keep="first")
        firsts = dict(zip(first["project_id"], first["promised"]))
        readings.append((w, first, [firsts.get(pid, e) for pid, e in zip(todo["project_id"], todo["promised"])]))
    for weight, promises, promised in readings:
        if weight > 0:
            probs += weight * _probabilities(slip_models(promises, depts, cfg), todo, list(promised), day, dates,
                                             lag, reported, rng, n_sim, cfg)
    return kc, todo, started, probs, table


def _probabilities(models, todo, promised, day, dates, lag, reported, rng, n_sim, cfg) -> np.ndarray:
    """sims × projects × dates: each project starts (is reported started, for the first ``reported`` dates) by
    each date, given it had not by ``day``, under its department's slip distribution drawn per simulation."""
    groups = sorted(set(todo["department"].dropna()))
    g = np.array([groups.index(d) for d in todo["department"]], dtype=int)
    probs = np.zeros((n_sim, len(todo), len(dates)))
    scale = float(cfg.get("dirichlet_scale", 1.0))  # concentration: scale × (n + shrinkage)
    alpha = np.stack([scale * models[d][1] * models[d][0] + 1e-3 for d in groups])  # groups × bins
    draws = rng.standard_gamma(np.broadcast_to(alpha.astype(np.float32), (n_sim, *alpha.shape)), dtype=np.float32)
    draws /= draws.sum(axis=2, keepdims=True)
    edges = np.concatenate([np.zeros((n_sim, len(groups), 1)), np.cumsum(draws[:, :, :-1], axis=2)], axis=2)
    since = np.array([(day - e).days for e in promised], dtype=float)
    f_now = _cdf(edges, g, since, cfg)
    for j, t in enumerate(dates):
        for delay in (np.flatnonzero(lag > 1e-6) if j < reported else [0]):
            until = np.array([(t - e).days - delay for e in promised], dtype=float)
            part = np.clip((_cdf(edges, g, until, cfg) - f_now) / np.maximum(1 - f_now, 1e-9), 0, 1)
            probs[:, :, j] += (lag[delay] / lag[lag > 1e-6].sum() if j < reported else 1.0) * part
    return probs


# ---------------------------------------------------------------- the forecast (§11.3)
def _pb(p: np.ndarray) -> np.ndarray:
    """Poisson-binomial distribution of the number of successes (exact, by dynamic programming)."""
    dist = np.zeros(len(p) + 1)
    dist[0] = 1.0
    for q in p:
        dist[1:] = dist[1:] * (1 - q) + dist[:-1] * q
        dist[0] *= 1 - q
    return dist


def deciding(todo: pd.DataFrame, p: np.ndarray, need: int, top: int) -> pd.DataFrame:
    """Unstarted projects ranked by how much making each start by the target raises the probability
    of reaching it: (1 − p_i) · P(the others give exactly need − 1 starts) (§11.5); ties → the least
    likely to start (its department's reliability) first."""
    gains = []
    for i in range(len(p)):
        others = _pb(np.delete(p, i))
        gains.append((1 - p[i]) * others[need - 1] if 1 <= need <= len(p) else 0.0)
    out = todo.assign(p_start=p, gain=gains)
    return out.sort_values(["gain", "p_start"], ascending=[False, True], kind="stable").head(top)


def forecast(data: YearData, day: dt.date) -> dict[str, Any]:
    """The forecast as of ``day`` (memoised): the ``alxa forecast --json`` contract plus the tables
    the reports show (``_reliability``, ``_projects``, ``_investment_departments``, ``_notes``)."""
    key = ("forecast", day)
    if key not in data.memo:
        data.memo[key] = _forecast(data, day)
    return data.memo[key]


def _forecast(data: YearData, day: dt.date) -> dict[str, Any]:
    from alxa_lib.figures.forecast_investment import investment_forecast
    cfg = _cfg()
    targets = [(d, r) for d, r in cal.commencement_targets(data.year) if d > day]
    year_end = dt.date(data.year, 12, 31)
    dates = [d for d, _ in targets] + [min(max(day, dt.date(data.year, 10, 31)), year_end)]
    kc, todo, started, probs, table = start_probabilities(data, day, dates, cfg, reported=len(targets))
    total, n0 = len(kc), len(started)
    rng = np.random.default_rng(int(cfg["seed"]) + 1)
    g = np.array(pd.factorize(todo["department"].fillna(""))[0], dtype=int)
    u = shared_uniforms(rng, probs.shape[0], g, cfg)
    counts = n0 + (u[:, :, None] < probs).sum(axis=1)  # sims × dates, one uniform per project
    commencement, p_mean = [], probs.mean(axis=0)
    for j, (d, rate) in enumerate(targets):
        commencement.append(_summary(counts[:, j], n0, len(todo), p_mean[:, j].sum(), total, d, rate, cfg))
    depts = sorted(set(kc["department"].dropna()))
    rel = reliability(table, depts)
    projects = todo.assign(**{f"p_{d.isoformat()}": p_mean[:, j] for j, (d, _) in enumerate(targets)})
    # the deciding projects: for the next target not yet reached and not safe (§11.5)
    decide, decide_date = pd.DataFrame(), None
    for j, (d, rate) in enumerate(targets):
        need = math.ceil(round(rate * total, 9)) - n0
        if 0 < need <= len(todo) and commencement[j]["p_reach"] < float(cfg["deciding_below"]):
            decide, decide_date = deciding(todo, p_mean[:, j], need, int(cfg["deciding_projects"])), d.isoformat()
            break
    invest, by_dept = investment_forecast(data, day, todo, u[:, :] < probs[:, :, -1], cfg)
    notes = []
    if (todo["basis"] != "promise").any():
        notes.append(f"{int((todo['basis'] != 'promise').sum())}个未开工项目未填预计开工时间，按计划开工时间测算")
    fallback = rel.loc[rel["fallback"], "department"].tolist()
    if fallback:
        notes.append(f"{len(fallback)}个单位尚无已到期的承诺，按全旗平均兑现情况测算：{'、'.join(fallback)}")
    return {
        "as_of": day.isoformat(),
        "commencement": commencement,
        "investment": invest,
        "departments": [{"department": r.department, "promises": int(r.promises),
                         "kept_share": None if pd.isna(r.kept_share) else float(r.kept_share),
                         "median_slip_days": None if pd.isna(r.median_slip_days) else float(r.median_slip_days),
                         "moved": int(r.moved), "fallback": bool(r.fallback)} for r in rel.itertuples()],
        "deciding_projects": [{"project_id": r.project_id, "name": r.name, "department": r.department,
                               "promised": r.promised.isoformat() if r.basis == "promise" else None,
                               "p_start_by_next_target": float(r.p_start)} for r in decide.itertuples()],
        "_reliability": rel, "_projects": projects, "_investment_departments": by_dept, "_notes": notes,
        "_started": n0, "_total": total, "_deciding_target": decide_date,
    }


def target_state(started: int, unstarted: int, total: int, rate: float) -> str:
    """'reached' (the target is already met), 'unreachable' (more projects are needed than remain unstarted)
    or 'open': only an open target is forecast with a probability strictly between 0 and 1 (§11.3)."""
    need = math.ceil(round(rate * total, 9))
    if total and started >= need:
        return "reached"
    return "unreachable" if not total or started + unstarted < need else "open"


def _summary(counts: np.ndarray, n0: int, n_todo: int, expected: float, total: int, d: dt.date, rate: float,
             cfg) -> dict:
    """One target's point, 80 % interval and p_reach from the simulated started counts (§11.3). On an open
    target p_reach stays within [p_floor, 1 − p_floor] (the model cannot know), and the interval is never a
    single point: it spans at least one project, within what is possible (n0 … n0 + unstarted)."""
    if not total:
        return {"date": d.isoformat(), "target": rate, "point": 0.0, "low": 0.0, "high": 0.0, "p_reach": 0.0}
    need = math.ceil(round(rate * total, 9))
    q = (1 - float(cfg["interval"])) / 2
    # the count is a whole number: its quantiles are taken with each count spread evenly over ± half a project,
    # so that an interval is not widened to a whole project on each side by the counting alone
    spread = counts + np.random.default_rng(int(cfg["seed"]) + 3).random(len(counts)) - 0.5
    # the simulated spread around its mean, tempered (``spread_scale``, chosen by the backtest, §11.7): each
    # project's probability is right on average, but the model cannot tell the projects that will be late
    # from the others, so the simulations scatter more than outcomes do; interval and p_reach read the same
    # tempered counts (with scale 1 and no floor, p_reach is the share of simulations with at least ``need`` starts)
    # the outcome also varies by what the simulation does not draw (a start a few days either side of the date or
    # of its report, the plan in force on the target date): ``spread_floor`` (projects², chosen with spread_scale)
    # is added to the tempered variance, so a count that every simulation agrees on still spans about a project
    # either way, while a wide count is tempered almost by spread_scale alone
    centre = float(spread.mean())
    scale, var = float(cfg.get("spread_scale", 1.0)), float(spread.var())
    factor = math.sqrt(scale * scale + float(cfg.get("spread_floor", 0.0)) / var) if var > 0 else scale
    spread = centre + factor * (spread - centre)
    low, high = float(np.quantile(spread, q)), float(np.quantile(spread, 1 - q))
    low, high = max(low, n0), min(high, n0 + n_todo)
    p = float((spread >= need - 0.5).mean())
    state = target_state(n0, n_todo, total, rate)
    if state == "reached":
        p = 1.0
    elif state == "unreachable":
        p = 0.0
    else:
        floor = float(cfg["p_floor"])
        p = min(max(p, floor), 1 - floor)
        if high - low < 1:  # never a point: one project either way, within what is possible
            low, high = (max(n0, high - 1), high) if high >= n0 + n_todo else (low, min(n0 + n_todo, low + 1))
    return {"date": d.isoformat(), "target": rate, "point": float((n0 + expected) / total),
            "low": low / total, "high": high / total, "p_reach": p}


def contract(result: dict[str, Any]) -> dict[str, Any]:
    """The ``alxa forecast --json`` contract (docs/measures.md §11.6): the keys without a leading _."""
    return {k: v for k, v in result.items() if not k.startswith("_")}
