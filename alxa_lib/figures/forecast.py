"""The forecast of docs/measures.md §11: the commencement rate at each target date after the as-of
date (point, 80 % interval, probability of reaching the target), the year-end investment completion,
and the deciding projects. A pure function of a :class:`YearData` and a date, seeded.

Method (§11.2, §11.3): each department's slip distribution (start − promised date, days) is the
Kaplan–Meier estimate over its promises so far (a promise not yet kept is censored), shrunk towards
the banner-wide distribution (which is itself shrunk towards "promises kept" for the first periods);
each simulation draws every department's distribution from a Dirichlet around it (fewer promises →
more spread), then each unstarted project starts by a target date with probability
P(slip ≤ T − promise | slip > as-of − promise).
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
from alxa_lib.figures.state import YearData, project_state, started_ids


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
    prior_late_share started later, uniformly over the rest of the grid."""
    lo, w, nb = _grid(cfg)
    spread, late = int(cfg["prior_spread_days"]), float(cfg["prior_late_share"])
    kept = np.arange(-spread, spread + 1, dtype=float)
    later = np.arange(spread + 1, lo + nb * w, dtype=float)
    return (np.concatenate([kept, later]),
            np.concatenate([np.full(len(kept), (1 - late) / len(kept)), np.full(len(later), late / len(later))]))


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
    dept, pid = table["department"].to_numpy(), table["project_id"].to_numpy()
    # each project counts once: its promises share one unit of weight (they are not independent)
    per_project = table.groupby("project_id")["project_id"].transform("size").to_numpy(dtype=float)
    unit = 1 / per_project if len(table) else np.zeros(0)
    k0, k = float(cfg["prior_weight"]), float(cfg["shrinkage"])
    centers = lo + w * (np.arange(nb + 1) + 0.5)

    def shrunk(mine, towards):  # KM of the department's promises plus ``towards`` as k pseudo-projects
        return km_pmf(np.concatenate([x[mine], centers]), np.concatenate([c[mine], np.zeros(nb + 1, bool)]), cfg,
                      np.concatenate([unit[mine], k * towards]))

    def n_of(mine):  # projects with a kept or broken promise
        return float(len(set(pid[mine & resolved])))

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


def start_probabilities(data: YearData, day: dt.date, dates: list[dt.date], cfg=None):
    """(KC plan, unstarted frame, started ids, sims × projects × dates probabilities, promise table)."""
    cfg = cfg or _cfg()
    kc, todo, started = unstarted(data, day)
    table = promise_table(data, day)
    depts = sorted(set(kc["department"].dropna()) | set(todo["department"].dropna()))
    models = slip_models(table, depts, cfg)
    rng = np.random.default_rng(int(cfg["seed"]))
    n_sim = int(cfg["simulations"])
    groups = sorted(set(todo["department"].dropna()))
    g = np.array([groups.index(d) for d in todo["department"]], dtype=int)
    probs = np.zeros((n_sim, len(todo), len(dates)))
    if not len(todo):
        return kc, todo, started, probs, table
    alpha = np.stack([models[d][1] * models[d][0] + 1e-3 for d in groups])  # groups × bins
    draws = rng.standard_gamma(np.broadcast_to(alpha.astype(np.float32), (n_sim, *alpha.shape)), dtype=np.float32)
    draws /= draws.sum(axis=2, keepdims=True)
    edges = np.concatenate([np.zeros((n_sim, len(groups), 1)), np.cumsum(draws[:, :, :-1], axis=2)], axis=2)
    since = np.array([(day - e).days for e in todo["promised"]], dtype=float)
    f_now = _cdf(edges, g, since, cfg)
    for j, t in enumerate(dates):
        until = np.array([(t - e).days for e in todo["promised"]], dtype=float)
        probs[:, :, j] = np.clip((_cdf(edges, g, until, cfg) - f_now) / np.maximum(1 - f_now, 1e-9), 0, 1)
    return kc, todo, started, probs, table


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
    kc, todo, started, probs, table = start_probabilities(data, day, dates, cfg)
    total, n0 = len(kc), len(started)
    rng = np.random.default_rng(int(cfg["seed"]) + 1)
    u = rng.random(probs.shape[:2])
    counts = n0 + (u[:, :, None] < probs).sum(axis=1)  # sims × dates, one uniform per project
    lo_q = (1 - float(cfg["interval"])) / 2
    commencement, p_mean = [], probs.mean(axis=0)
    for j, (d, rate) in enumerate(targets):
        need = math.ceil(round(rate * total, 9))
        rates = counts[:, j] / total if total else np.zeros(len(counts))
        commencement.append({"date": d.isoformat(), "target": rate,
                             "point": float((n0 + p_mean[:, j].sum()) / total) if total else 0.0,
                             "low": float(np.quantile(rates, lo_q)), "high": float(np.quantile(rates, 1 - lo_q)),
                             "p_reach": float((counts[:, j] >= need).mean()) if total else 0.0})
    depts = sorted(set(kc["department"].dropna()))
    rel = reliability(table, depts)
    projects = todo.assign(**{f"p_{d.isoformat()}": p_mean[:, j] for j, (d, _) in enumerate(targets)})
    # the deciding projects: for the next target not yet reached and not safe (§11.5)
    decide, decide_date = pd.DataFrame(), None
    for j, (d, rate) in enumerate(targets):
        need = math.ceil(round(rate * total, 9)) - n0
        if need > 0 and commencement[j]["p_reach"] < float(cfg["deciding_below"]):
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


def contract(result: dict[str, Any]) -> dict[str, Any]:
    """The ``alxa forecast --json`` contract (docs/measures.md §11.6): the keys without a leading _."""
    return {k: v for k, v in result.items() if not k.startswith("_")}
