"""Backtest of the forecast (docs/measures.md §11.7).

For the sample year of each seed (7, 11, 53, 67 and 89 by default; ``SEEDS``): for every as-of reporting date
and every target date after it, the commencement forecast as of that date against what happened — the share
of the plan's KC projects (plan in force on the target date) whose start date, as known at the year end, is
≤ the target. Reports the mean absolute error of the point forecast and of two baselines — "no more starts"
(the rate as of the as-of date) and "every promise kept" (started, plus every unstarted project whose current
promise ≤ the target) — and the share of outcomes inside the 80 % interval; also the time of one forecast,
and the error of the year-end investment forecast (§11.4) from every reporting date. Target: beat both
baselines on every seed; the 80 % interval covers 70–90 % of the outcomes of all seeds together.

Run: ``.venv/bin/python bench/backtest_forecast.py [--seeds 7 11 …] [--work DIR] [--json]``
(``make bench`` runs it through ``bench/run_bench.py``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alxa_lib import ledger  # noqa: E402
from alxa_lib import periods as cal  # noqa: E402
from alxa_lib.figures.forecast import forecast, unstarted  # noqa: E402
from alxa_lib.figures.metrics import investment  # noqa: E402
from alxa_lib.figures.state import load_year, project_state, started_ids  # noqa: E402


# The sample year (7), the seed the parameters were first chosen on (11), and three seeds never used to choose
# them (docs/measures.md §11.7). Coverage is judged over all of them together: one seed's 50 comparisons
# share one year's events, so a single seed's coverage swings widely (0.72–0.98 over 13 seeds).
SEEDS = (7, 11, 53, 67, 89)


def build(work: Path, year: int, seed: int) -> Path:
    """The sample year of ``seed`` ingested and validated under ``work`` (reused when present)."""
    from alxa_lib.checks.validate import validate_year
    from alxa_lib.ledger.ingest import ingest
    from alxa_lib.sample import write_sample
    db = work / f"seed{seed}.duckdb"
    if not db.exists():
        write_sample(work / f"sample{seed}", year, seed)
        ingest([work / f"sample{seed}"], db, progress=False)
        con = ledger.connect(db)
        validate_year(con, year)
        con.close()
    return db


def actual_rate(data, target: dt.date) -> float:
    """What happened: started by ``target`` (start dates as known at the year end) / KC plan on target."""
    end = cal.periods(data.year)[-1]
    plan = data.plan_on(target)
    kc = set(plan.loc[plan["class"] == "KC", "project_id"])
    started = started_ids(data, target, project_state(data, end)) & kc
    return len(started) / len(kc)


def backtest(data) -> dict:
    rows, seconds, invest = [], [], []
    year_end_rate = investment(data, cal.periods(data.year)[-1])["rate"]  # what the year's investment came to
    for day in cal.periods(data.year):
        data.memo.clear()
        f = forecast(data, day)["investment"]
        invest.append({"as_of": day.isoformat(), "actual": year_end_rate, **f})
        targets = [(d, r) for d, r in cal.commencement_targets(data.year) if d > day]
        if not targets:
            continue
        data.memo.clear()
        t = time.perf_counter()
        f = forecast(data, day)
        seconds.append(time.perf_counter() - t)
        kc, todo, started = unstarted(data, day)
        total = len(kc)
        for c, (d, _) in zip(f["commencement"], targets):
            truth = actual_rate(data, d)
            kept = (len(started) + sum(1 for e in todo["promised"] if e <= d)) / total
            rows.append({"as_of": day.isoformat(), "target": d.isoformat(), "actual": truth, "point": c["point"],
                         "low": c["low"], "high": c["high"], "p_reach": c["p_reach"],
                         "no_more_starts": len(started) / total, "promises_kept": kept})
    n = len(rows)
    mae = {k: sum(abs(r[k] - r["actual"]) for r in rows) / n for k in ("point", "no_more_starts", "promises_kept")}
    cover = sum(r["low"] - 1e-9 <= r["actual"] <= r["high"] + 1e-9 for r in rows) / n
    return {"n": n, "mae_forecast": mae["point"], "mae_no_more_starts": mae["no_more_starts"],
            "mae_promises_kept": mae["promises_kept"], "coverage_80": cover,
            "mae_investment": sum(abs(r["point"] - r["actual"]) for r in invest) / len(invest),
            "coverage_80_investment": sum(r["low"] - 1e-9 <= r["actual"] <= r["high"] + 1e-9 for r in invest) / len(invest),
            "seconds_per_forecast_max": max(seconds), "seconds_per_forecast_mean": sum(seconds) / len(seconds),
            "rows": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--work", type=Path, default=None, help="keep the sample ledgers here (reused)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rows", action="store_true", help="print every (as-of, target) comparison")
    a = ap.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="alxa-backtest-"))
    work.mkdir(parents=True, exist_ok=True)
    out, ok = {}, True
    for seed in a.seeds:
        con = ledger.connect(build(work, a.year, seed), read_only=True)
        data = load_year(con, a.year)
        con.close()
        res = backtest(data)
        ok &= res["mae_forecast"] < min(res["mae_no_more_starts"], res["mae_promises_kept"])
        out[seed] = res
        if not a.json:
            print(f"seed {seed}: {res['n']} (as-of, target) pairs; MAE forecast {res['mae_forecast']:.4f}, "
                  f"no more starts {res['mae_no_more_starts']:.4f}, every promise kept {res['mae_promises_kept']:.4f}; "
                  f"80% interval covers {res['coverage_80']:.1%}; one forecast ≤ {res['seconds_per_forecast_max']:.2f} s "
                  f"(mean {res['seconds_per_forecast_mean']:.2f} s); year-end investment MAE "
                  f"{res['mae_investment']:.4f}, its 80% interval covers {res['coverage_80_investment']:.1%}")
            if a.rows:
                for r in res["rows"]:
                    print("  ", {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()})
    pooled = sum(r["coverage_80"] for r in out.values()) / len(out)
    ok &= 0.70 <= pooled <= 0.90
    if a.json:
        print(json.dumps({**{s: {k: v for k, v in r.items() if k != "rows"} for s, r in out.items()},
                          "pooled": {"coverage_80": pooled}}, indent=1))
    else:
        print(f"all seeds: the 80% interval covers {pooled:.1%}")
    print("PASS" if ok else "FAIL: the forecast must beat both baselines on every seed, with 70–90 % coverage over all")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
