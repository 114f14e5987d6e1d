"""Judges the integrity signals and the inspection list out of sample (docs/measures.md §12.4).

For each evaluation seed: ``alxa sample --habits`` writes a year in which three departments have a dishonest
habit (copying, quarter-end booking, inflated 形象进度; ``truth.json`` ``habits``), ``alxa ingest`` stores it,
and the signals are computed from the ledger. A KC project-period with a latest-version row is *planted*
when the habit shows in it, *affected* when it was under-reported before a booking (left out of both
counts), else *honest*. Reported: the share of planted project-periods with a signal (target ≥ 0.80), the
share of honest ones with a signal (target ≤ 0.05), and the average precision of the inspection ranking for
the projects planted by each as-of date (target ≥ 0.70, mean over dates and seeds).

The thresholds in ``params/integrity.yaml`` were chosen on the development seeds (``DEV_SEEDS``); the evaluation
seeds (``EVAL_SEEDS``) were never used to choose them.

Run: ``.venv/bin/python bench/integrity_bench.py [--seeds 101 211 …] [--work DIR] [--json]``
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alxa_lib import ledger  # noqa: E402
from alxa_lib.figures.inspection import average_precision, inspection_plan  # noqa: E402
from alxa_lib.figures.integrity import latest_rows, signals  # noqa: E402
from alxa_lib.figures.state import FIGURE_FRAMES, load_year  # noqa: E402
from alxa_lib.ledger import inspections  # noqa: E402

# The thresholds were set on 3, 5, 13 and 17; a first evaluation on 101, 211, 307, 401 and 503 showed inflated
# 形象进度 lost near 100 % (the hysteresis ``keep_gap`` was added, and checked on 3, 5, 13, 17 again), so those five
# joined the development seeds and the evaluation seeds are five never looked at before.
DEV_SEEDS = (3, 5, 13, 17, 101, 211, 307, 401, 503)
EVAL_SEEDS = (601, 701, 809, 907, 1009)
AS_OF = ("07-28", "08-28", "09-28", "10-28")
TARGETS = {"recall": 0.80, "false_alarm": 0.05, "average_precision": 0.70}


def build(work: Path, seed: int, year: int = 2025) -> tuple[Path, dict]:
    """The seed's year with habits, written and ingested once (kept in ``work`` for the next run)."""
    folder, db = work / f"habits-{seed}", work / f"habits-{seed}.duckdb"
    alxa = [sys.executable, "-m", "alxa_lib.cli"]
    env = {"PYTHONPATH": str(ROOT), "CI": "1", "PATH": "/usr/bin:/bin"}
    if not (folder / "truth.json").exists():
        subprocess.run(alxa + ["sample", str(folder), "--seed", str(seed), "--year", str(year), "--habits"],
                       check=True, capture_output=True, env=env)
    if not db.exists():
        r = subprocess.run(alxa + ["ingest", str(folder), "--db", str(db), "--json"], capture_output=True, env=env)
        if r.returncode not in (0, 2):
            raise RuntimeError(r.stderr.decode())
    return db, json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def judge(db: Path, truth: dict) -> dict:
    year = int(truth["year"])
    con = ledger.connect(db, read_only=True)
    try:
        data = load_year(con, year, FIGURE_FRAMES)
        history = inspections.version_history(con, year)
    finally:
        con.close()
    sig = signals(history, data.plan_rows)
    raised = set(zip(sig["project_id"], sig["period"]))
    habits = truth["habits"]
    planted = {(pid, dt.date.fromisoformat(p)) for h in habits["planted"].values() for pid, ps in h.items() for p in ps}
    affected = {(pid, dt.date.fromisoformat(p)) for pid, ps in habits["affected"].items() for p in ps}
    kc = set(data.plan_rows.loc[data.plan_rows["class"] == "KC", "project_id"])
    rows = latest_rows(history[history["project_id"].isin(kc)])
    every = set(zip(rows["project_id"], pd_dates(rows["period"])))
    planted &= every
    honest = every - planted - affected
    aps = {}
    for mmdd in AS_OF:
        day = dt.date.fromisoformat(f"{year}-{mmdd}")
        positives = {pid for pid, p in planted if p <= day}
        ranked = inspection_plan(data, sig, day)["project_id"].tolist()
        aps[mmdd] = round(average_precision(ranked, positives), 3)
    missed = sorted((pid, p.isoformat()) for pid, p in planted - raised)
    by_signal = sig.groupby("signal").size().to_dict()
    false = sig[[k in honest for k in zip(sig["project_id"], sig["period"])]].groupby("signal").size().to_dict()
    return {"departments": habits["departments"], "planted": len(planted), "honest": len(honest),
            "recall": round(len(planted & raised) / max(1, len(planted)), 3),
            "false_alarm": round(len(honest & raised) / max(1, len(honest)), 4),
            "average_precision": aps, "signals": by_signal, "false_alarms_by_signal": false, "missed": missed[:10]}


def pd_dates(col):
    import pandas as pd
    return pd.to_datetime(col).dt.date


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(EVAL_SEEDS))
    ap.add_argument("--work", type=Path, default=None, help="keep the generated years here between runs")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="alxa-integrity-"))
    work.mkdir(parents=True, exist_ok=True)
    per_seed = {seed: judge(*build(work, seed)) for seed in a.seeds}
    planted = sum(r["planted"] for r in per_seed.values())
    honest = sum(r["honest"] for r in per_seed.values())
    recall = sum(r["recall"] * r["planted"] for r in per_seed.values()) / max(1, planted)
    false = sum(r["false_alarm"] * r["honest"] for r in per_seed.values()) / max(1, honest)
    aps = [v for r in per_seed.values() for v in r["average_precision"].values()]
    summary = {"dev_seeds": list(DEV_SEEDS), "eval_seeds": a.seeds, "recall": round(recall, 3),
               "false_alarm": round(false, 4), "average_precision": round(sum(aps) / len(aps), 3),
               "targets": TARGETS,
               "met": recall >= TARGETS["recall"] and false <= TARGETS["false_alarm"]
               and sum(aps) / len(aps) >= TARGETS["average_precision"], "per_seed": per_seed}
    if a.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
        return 0
    print("seed  habits (department: habit)                        recall  false alarm  AP by as-of date")
    for seed, r in per_seed.items():
        habits = ", ".join(f"{d}: {h}" for d, h in r["departments"].items())
        print(f"{seed:<5} {habits:<48} {r['recall']:.2f}    {r['false_alarm']:.3f}      "
              + " ".join(f"{k} {v:.2f}" for k, v in r["average_precision"].items()))
    print(f"all   recall {summary['recall']:.2f} (≥ 0.80)  false alarm {summary['false_alarm']:.3f} (≤ 0.05)  "
          f"average precision {summary['average_precision']:.2f} (≥ 0.70)  {'met' if summary['met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
