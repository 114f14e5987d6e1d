"""Backtest of the forecast (docs/measures.md §11.7).

For the sample year of each seed and every as-of reporting date D and target date T after it, the commencement
forecast as of D against what happened: the commencement rate *reported* at T (what ``alxa metrics`` says on T,
the rate the brief compares with the target; plan in force on T). A pair is *foregone* when on D the target is
already reached or can no longer be reached (more projects needed than remain unstarted), else *open*; only
open pairs judge the forecast. On open pairs, per target date and per horizon (≤ 15, 16–45, > 45 days): the
80 % interval's coverage, the point's mean absolute error against two baselines — "no more starts" (the rate
on D) and "every promise kept" (started, plus every unstarted project whose current promise ≤ T) — the Brier
score of p_reach against p = 0.5 and against "every promise kept" (1 when that baseline reaches the target),
a reliability table and the confident wrong calls (p ≥ 0.95 missed, p ≤ 0.05 reached). Also the year-end
investment forecast (§11.4) from each reporting date before 10-31 against the year's final completion rate.

Development seeds (the parameters were chosen on them) and evaluation seeds (never used for a choice) are
reported apart, and so are the stress worlds the sample generator makes on request (``write_sample(...,
stress=...)``: a bad season; a department that keeps its early promises and then stops).

Run: ``.venv/bin/python bench/backtest_forecast.py [--group dev eval stress] [--work DIR] [--json]``
(``make bench`` runs it through ``bench/run_bench.py``). ``--json`` prints one JSON document and nothing else;
the exit status is 0 when the evaluation seeds meet the targets of issue 25 (``DONE_WHEN``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alxa_lib import ledger  # noqa: E402
from alxa_lib import periods as cal  # noqa: E402
from alxa_lib.figures.forecast import forecast, target_state, unstarted  # noqa: E402
from alxa_lib.figures.metrics import commencement_rates, investment  # noqa: E402
from alxa_lib.figures.state import load_year  # noqa: E402

# The parameters of params/forecast.yaml were chosen on the development seeds (and the development stress
# worlds); the evaluation seeds were never used for a choice (docs/measures.md §11.7).
# 301–340 were added on 2026-12-08 (before any of them had been looked at) to choose spread_scale and
# spread_floor on 80 seeds: 40 seeds left the 12-seed spread of a target's coverage too uncertain. The same
# day the evaluation seeds of the runs before, 211 … 271 (run with three parameter sets) and 401–424 (run
# once), joined them: looked at, they are no longer blind, and choose like the others (116 seeds).
USED_EVAL_SEEDS = (211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, *range(401, 425))
DEV_SEEDS = (3, 5, 13, 17, 23, 29, 41, 101, 31, 37, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
             89, 97, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
             *range(301, 341), *USED_EVAL_SEEDS)
# 501–524, fixed on 2026-12-08 before any of them was built: 24 seeds, since on 12 the coverage of one target
# date varies by ±5 points from the seeds drawn alone (docs/measures.md §11.7).
EVAL_SEEDS = tuple(range(501, 525))
STRESS_WORLDS = ("bad_season", "stops_keeping")
DEV_STRESS_SEEDS = (3, 5)
EVAL_STRESS_SEEDS = (211, 223, 227)
HORIZONS = (("<=15", 0, 15), ("16-45", 16, 45), (">45", 46, 10_000))
RELIABILITY_BINS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0000001)
CONFIDENT = 0.95
# what issue 25 asks of the evaluation seeds (open pairs)
DONE_WHEN = {"coverage_80": (0.72, 0.88), "brier_without_last_target": 0.20, "confident_wrong_share": 0.01,
             "investment_coverage_80": (0.70, 0.90)}


def build(work: Path, year: int, seed: int, stress: str | None = None) -> Path:
    """The sample year of ``seed`` (a ``stress`` world on request) ingested and validated under ``work``
    (reused when present)."""
    import shutil
    from alxa_lib.checks.validate import validate_year
    from alxa_lib.ledger.ingest import ingest
    from alxa_lib.sample import write_sample
    name = f"{year}-seed{seed}" + (f"-{stress}" if stress else "")
    db = work / f"{name}.duckdb"
    if not db.exists():
        folder, part = work / f"sample-{name}", work / f"{name}.duckdb.part"
        shutil.rmtree(folder, ignore_errors=True)
        part.unlink(missing_ok=True)
        write_sample(folder, year, seed, stress=stress)
        ingest([folder], part, progress=False)
        con = ledger.connect(part)
        validate_year(con, year)
        con.close()
        part.rename(db)  # (a build stopped half-way leaves no ledger that looks finished)
        shutil.rmtree(folder, ignore_errors=True)
    return db


def reported_rates(data, days: list[dt.date]) -> dict[dt.date, float]:
    """What happened: the commencement rate reported at each target date (the ledger as of it)."""
    t = commencement_rates(data, days)
    return {d: float(r or 0.0) for d, r in zip(t["date"], t["rate"])}


def backtest(data) -> dict:
    """Every (as-of, target) pair of one year and the investment forecast from each reporting date."""
    rows, seconds, invest = [], [], []
    year_end_rate = investment(data, cal.periods(data.year)[-1])["rate"]  # what the year's investment came to
    targets_all = cal.commencement_targets(data.year)
    truth = reported_rates(data, [d for d, _ in targets_all])
    last = targets_all[-1][0]
    for day in cal.periods(data.year):
        data.memo.clear()
        t = time.perf_counter()
        f = forecast(data, day)
        seconds.append(time.perf_counter() - t)
        if day < last:
            invest.append({"as_of": day.isoformat(), "actual": year_end_rate, **f["investment"]})
        targets = [(d, r) for d, r in targets_all if d > day]
        kc, todo, started = unstarted(data, day)
        total = len(kc)
        for c, (d, rate) in zip(f["commencement"], targets):
            kept = (len(started) + sum(1 for e in todo["promised"] if e <= d)) / total
            need = math.ceil(round(rate * total, 9))
            rows.append({"as_of": day.isoformat(), "target": d.isoformat(), "horizon": (d - day).days,
                         "state": target_state(len(started), len(todo), total, rate),
                         "actual": truth[d], "reached": truth[d] >= rate - 1e-9, "point": c["point"],
                         "low": c["low"], "high": c["high"], "p_reach": c["p_reach"],
                         "no_more_starts": len(started) / total, "promises_kept": kept,
                         "p_promises_kept": float(len(started) + sum(1 for e in todo["promised"] if e <= d) >= need)})
    return {"rows": rows, "investment": invest, "seconds": seconds}


def _cover(rows) -> float | None:
    return sum(r["low"] - 1e-9 <= r["actual"] <= r["high"] + 1e-9 for r in rows) / len(rows) if rows else None


def _mean(xs) -> float | None:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


def scores(rows: list[dict]) -> dict:
    """Coverage, MAE against the baselines, Brier against the baselines, on the given (open) pairs."""
    if not rows:
        return {"n": 0}
    y = [float(r["reached"]) for r in rows]
    return {"n": len(rows), "coverage_80": _cover(rows),
            "below": sum(r["actual"] < r["low"] - 1e-9 for r in rows), "above": sum(r["actual"] > r["high"] + 1e-9 for r in rows),
            "mae_forecast": _mean(abs(r["point"] - r["actual"]) for r in rows),
            "mae_no_more_starts": _mean(abs(r["no_more_starts"] - r["actual"]) for r in rows),
            "mae_promises_kept": _mean(abs(r["promises_kept"] - r["actual"]) for r in rows),
            "bias_forecast": _mean(r["point"] - r["actual"] for r in rows),
            "brier": _mean((r["p_reach"] - o) ** 2 for r, o in zip(rows, y)),
            "brier_half": _mean((0.5 - o) ** 2 for o in y),
            "brier_promises_kept": _mean((r["p_promises_kept"] - o) ** 2 for r, o in zip(rows, y)),
            "reached_share": _mean(y)}


def summarise(results: list[dict]) -> dict:
    """The pooled judgement of several years (seeds): open vs foregone pairs, per target and horizon."""
    rows = [r for res in results for r in res["rows"]]
    open_ = [r for r in rows if r["state"] == "open"]
    last = max((r["target"] for r in rows), default=None)
    out = {"pairs": len(rows), "foregone": len(rows) - len(open_), "open": scores(open_),
           "open_without_last_target": scores([r for r in open_ if r["target"] != last]),
           "by_target": {t: scores([r for r in open_ if r["target"][5:] == t])
                         for t in sorted({r["target"][5:] for r in open_})},
           "by_horizon": {h: scores([r for r in open_ if lo <= r["horizon"] <= hi]) for h, lo, hi in HORIZONS}}
    table = []
    for lo, hi in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:]):
        inside = [r for r in open_ if lo <= r["p_reach"] < hi]
        table.append({"p_from": lo, "p_to": min(hi, 1.0), "n": len(inside), "mean_p": _mean(r["p_reach"] for r in inside),
                      "reached": _mean(float(r["reached"]) for r in inside)})
    out["reliability"] = table
    confident = [r for r in open_ if r["p_reach"] >= CONFIDENT or r["p_reach"] <= 1 - CONFIDENT]
    wrong = [r for r in confident if (r["p_reach"] >= CONFIDENT) != r["reached"]]
    out["confident_calls"], out["confident_wrong"] = len(confident), len(wrong)
    out["confident_wrong_share"] = len(wrong) / len(confident) if confident else 0.0
    out["confident_wrong_calls"] = [{k: r[k] for k in ("seed", "as_of", "target", "p_reach", "actual", "point")}
                                    for r in wrong]
    inv = [r for res in results for r in res["investment"]]
    out["investment"] = {"n": len(inv), "coverage_80": _cover(inv),
                         "mae": _mean(abs(r["point"] - r["actual"]) for r in inv)}
    secs = [s for res in results for s in res["seconds"]]
    out["seconds_per_forecast_mean"], out["seconds_per_forecast_max"] = _mean(secs), max(secs, default=None)
    return out


def judge(s: dict) -> dict[str, bool]:
    """Issue 25's targets, on a summary of the evaluation seeds."""
    lo, hi = DONE_WHEN["coverage_80"]
    w = s["open_without_last_target"]
    o = s["open"]
    ilo, ihi = DONE_WHEN["investment_coverage_80"]
    return {"coverage_each_target": all(lo <= v["coverage_80"] <= hi for v in s["by_target"].values()),
            "brier_without_last_target": w["brier"] < DONE_WHEN["brier_without_last_target"]
            and w["brier"] < min(w["brier_half"], w["brier_promises_kept"]),
            "brier_below_baselines": o["brier"] < min(o["brier_half"], o["brier_promises_kept"]),
            "confident_wrong": s["confident_wrong_share"] <= DONE_WHEN["confident_wrong_share"],
            "mae_below_baselines": o["mae_forecast"] < min(o["mae_no_more_starts"], o["mae_promises_kept"]),
            "investment_coverage": ilo <= s["investment"]["coverage_80"] <= ihi}


def run(work: Path, year: int, seeds, stress: str | None = None) -> dict:
    results = []
    for seed in seeds:
        con = ledger.connect(build(work, year, seed, stress), read_only=True)
        data = load_year(con, year)
        con.close()
        res = backtest(data)
        for r in res["rows"]:
            r["seed"] = seed
        results.append(res)
    return {"seeds": list(seeds), **({"stress": stress} if stress else {}), **summarise(results)}


def _pct(x) -> str:
    return "—" if x is None else f"{x:.1%}"


def _f(x) -> str:
    return "—" if x is None else f"{x:.4f}"


def report(name: str, s: dict) -> list[str]:
    o = s["open"]
    out = [f"== {name}: seeds {', '.join(map(str, s['seeds']))} — {s['pairs']} pairs, {s['foregone']} foregone, "
           f"{o['n']} open",
           "  open pairs          n   cover  below above  MAE fc  no-more  all-kept   bias    Brier  p=0.5  all-kept"]

    def line(label, v):
        if not v.get("n"):
            return f"  {label:<16} {0:>4}"
        return (f"  {label:<16} {v['n']:>4}  {_pct(v['coverage_80']):>6} {v['below']:>5} {v['above']:>5}  "
                f"{_f(v['mae_forecast'])}  {_f(v['mae_no_more_starts'])}  {_f(v['mae_promises_kept'])}  "
                f"{v['bias_forecast']:+.4f}  {_f(v['brier'])} {_f(v['brier_half'])} {_f(v['brier_promises_kept'])}")
    out.append(line("all", o))
    out.append(line("without 10-31", s["open_without_last_target"]))
    out += [line(f"target {t}", v) for t, v in s["by_target"].items()]
    out += [line(f"horizon {h}", v) for h, v in s["by_horizon"].items()]
    out.append("  reliability of p_reach: " + "; ".join(
        f"[{b['p_from']:.2f},{b['p_to']:.2f}) n={b['n']} p̄={_f(b['mean_p'])} reached={_pct(b['reached'])}"
        for b in s["reliability"]))
    out.append(f"  confident calls (p ≥ {CONFIDENT} or ≤ {1 - CONFIDENT:.2f}): {s['confident_calls']}, "
               f"wrong {s['confident_wrong']} ({_pct(s['confident_wrong_share'])})")
    out += [f"    wrong: seed {w['seed']} as of {w['as_of']} → {w['target']}: p_reach {w['p_reach']:.3f}, "
            f"reported {w['actual']:.3f}" for w in s["confident_wrong_calls"]]
    inv = s["investment"]
    out.append(f"  year-end investment from {inv['n']} reporting dates before 10-31: MAE {_f(inv['mae'])}, "
               f"80% interval covers {_pct(inv['coverage_80'])}")
    out.append(f"  one forecast: mean {s['seconds_per_forecast_mean']:.2f} s, max {s['seconds_per_forecast_max']:.2f} s")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--group", nargs="+", choices=["dev", "eval", "stress"], default=["dev", "eval", "stress"])
    ap.add_argument("--eval-seeds", type=int, nargs="+", default=list(EVAL_SEEDS))
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--work", type=Path, default=None, help="keep the sample ledgers here (reused)")
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout, nothing else")
    a = ap.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="alxa-backtest-"))
    work.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    if "dev" in a.group:
        out["dev"] = run(work, a.year, DEV_SEEDS)
    if "eval" in a.group:
        out["eval"] = run(work, a.year, a.eval_seeds)
        out["done_when"] = {"targets": DONE_WHEN, "met": judge(out["eval"])}
    if "stress" in a.group:
        out["stress"] = {f"{w} ({part})": run(work, a.year, seeds, w) for w in STRESS_WORLDS
                         for part, seeds in (("dev", DEV_STRESS_SEEDS), ("eval", EVAL_STRESS_SEEDS))}
    ok = all(out.get("done_when", {}).get("met", {}).values())
    if a.json:
        print(json.dumps(out, indent=1, default=str))
        return 0 if ok else 1
    for name in ("dev", "eval"):
        if name in out:
            print("\n".join(report({"dev": "development seeds", "eval": "evaluation seeds"}[name], out[name])))
    for name, s in out.get("stress", {}).items():
        print("\n".join(report(f"stress world {name}", s)))
    if "done_when" in out:
        print("issue 25 on the evaluation seeds: " + ", ".join(f"{k} {'met' if v else 'MISSED'}"
                                                               for k, v in out["done_when"]["met"].items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
