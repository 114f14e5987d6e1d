"""Scale benchmark (docs/architecture.md §11): the sample banner at K = 1, 4, 16 times its size, each step
of a year's work timed as the analyst runs it, one child process per step.

Steps: ``alxa sample --scale K``, ``alxa ingest`` of the year, ``alxa validate --year``, ``alxa metrics``
for one day, ``alxa score`` for one quarter, ``alxa rank`` for the year, and one brief as HTML + PDF.
For each: wall and CPU seconds and the peak memory of the largest process (``wait4``), at each K; then
the exponent b of time ≈ a·rows^b fitted by least squares on logs (rows: the workbooks of the year;
projects grow by the same factor). Targets: b ≤ 1.1 (linear) for every step; at K = 16 (≈ 1,900
projects, ≈ 9,600 workbooks) rank ≤ 30 s and ≤ 2 GB.

Run: ``.venv/bin/python bench/scale.py [--scales 1,4,16] [--json] [--workdir DIR]`` (a kept workdir
keeps each measurement in ``results.json`` and measures only what is missing: ``--scales 1,4,16`` after
a run of ``--scales 1,4`` measures K = 16 alone; delete a row there to measure that step again).
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

from measure import alxa  # bench/measure.py: one child process measured with wait4

YEAR, DAY, QUARTER = "2025", "2025-09-28", "2025Q3"
STEPS = {  # step → the alxa arguments ({dir}: the sample, {db}: its ledger, {out}: a report folder)
    "sample": ["sample", "{dir}", "--scale", "{k}"],
    "ingest": ["ingest", "{dir}", "--db", "{db}", "--json"],
    "validate_year": ["validate", "--year", YEAR, "--db", "{db}", "--json"],
    "metrics": ["metrics", "--as-of", DAY, "--db", "{db}", "--json"],
    "score": ["score", "--quarter", QUARTER, "--db", "{db}", "--json"],
    "rank": ["rank", "--year", YEAR, "--db", "{db}", "--json"],
    "brief_html_pdf": ["report", "brief", "--period", DAY, "--format", "html,pdf", "--db", "{db}", "--out", "{out}"],
}
OK_EXIT = {"ingest": (0, 2)}  # ingest exits 2 when it rejected a file: the sample has some on purpose
RANK_TARGET = {"scale": 16, "seconds": 30, "mb": 2048}
LINEAR = 1.1


def run_step(step: str, k: int, work: Path) -> dict:
    """Run one step in a child process; its wall and CPU time and peak memory (largest process, MB)."""
    where = {"dir": work / f"k{k}", "db": work / f"k{k}.duckdb", "out": work / f"out{k}", "k": k}
    env = {}
    if k > 1 and step != "sample":  # the scaled banner's new departments are known to its own parameters (alxa sample says so)
        env["ALXA_PARAMS"] = str(where["dir"] / "params")
    cost = alxa(*[a.format(**where) for a in STEPS[step]], check=False, env=env)
    err = cost.stderr.strip().splitlines()
    if cost.code not in OK_EXIT.get(step, (0,)):
        print(f"{step} at K={k} failed ({cost.code}): {err[-1] if err else ''}", file=sys.stderr)
    return {"step": step, "scale": k, "wall_s": round(cost.wall, 2), "cpu_s": round(cost.cpu, 2),
            "peak_mb": round(cost.peak_mb), "exit": cost.code}


def sample_size(folder: Path) -> dict:
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return {"projects": len(truth["projects"]), "workbooks": sum(1 for _ in folder.rglob("*.xls*"))}


def exponent(xs: list[float], ys: list[float]) -> float | None:
    """b of y ≈ a·x^b, least squares on logs (None with fewer than two points)."""
    if len(xs) < 2 or min(ys) <= 0:
        return None
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return round(sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx), 2)


def measure(scales: list[int], work: Path) -> list[dict]:
    """Every step at every scale, in order. ``work/results.json`` keeps each step's measurement, so a
    kept workdir reuses them (and the samples and ledgers) and measures only what is missing."""
    store = work / "results.json"
    done = {(r["step"], r["scale"]): r for r in (json.loads(store.read_text()) if store.exists() else [])}
    for k in scales:
        for step in STEPS:
            if (step, k) in done:
                continue
            row = run_step(step, k, work)
            print(f"K={k} {step}: {row}", file=sys.stderr)
            if row["exit"] not in OK_EXIT.get(step, (0,)):
                raise SystemExit(f"stopped: {step} failed at K={k} (the steps after it need it)")
            done[(step, k)] = row
            store.write_text(json.dumps(list(done.values()), indent=1))
        size = sample_size(work / f"k{k}")
        for step in STEPS:
            done[(step, k)].update(size)
    store.write_text(json.dumps(list(done.values()), indent=1))
    return [r for r in done.values() if r["scale"] in scales]


def summary(rows: list[dict], scales: list[int]) -> list[dict]:
    """One row per step: time at each K, the fitted exponents, peak memory, and the targets."""
    out = []
    for step in STEPS:
        mine = sorted((r for r in rows if r["step"] == step), key=lambda r: r["scale"])
        if not mine:
            continue
        s = {"step": step, "by_scale": {r["scale"]: {k: r[k] for k in ("wall_s", "cpu_s", "peak_mb", "projects",
                                                                       "workbooks", "exit")} for r in mine},
             "exponent_cpu": exponent([r["workbooks"] for r in mine], [r["cpu_s"] for r in mine]),
             "exponent_wall": exponent([r["workbooks"] for r in mine], [r["wall_s"] for r in mine]),
             "peak_mb": max(r["peak_mb"] for r in mine)}
        s["linear"] = s["exponent_cpu"] is None or s["exponent_cpu"] <= LINEAR
        big = s["by_scale"].get(RANK_TARGET["scale"])
        if step == "rank" and big:
            s["target_met"] = big["wall_s"] <= RANK_TARGET["seconds"] and big["peak_mb"] <= RANK_TARGET["mb"]
        out.append(s)
    return out


def print_table(table: list[dict], scales: list[int]) -> None:
    first = table[0]["by_scale"] if table else {}
    print("rows: " + "; ".join(f"K={k}: {first[k]['projects']} projects, {first[k]['workbooks']} workbooks"
                               for k in scales if k in first))
    head = ["step"] + [f"K={k} wall/cpu s" for k in scales] + ["b(cpu)", "b(wall)", "peak MB", "target"]
    print(" | ".join(head))
    for s in table:
        cells = [s["step"]] + [f"{s['by_scale'][k]['wall_s']}/{s['by_scale'][k]['cpu_s']}" if k in s["by_scale"] else "-"
                               for k in scales]
        target = f"b ≤ {LINEAR}: {'ok' if s['linear'] else 'MISSED'}"
        if "target_met" in s:
            target += f"; K={RANK_TARGET['scale']} ≤ {RANK_TARGET['seconds']} s, ≤ {RANK_TARGET['mb']} MB: " \
                      f"{'ok' if s['target_met'] else 'MISSED'}"
        print(" | ".join(cells + [str(s["exponent_cpu"]), str(s["exponent_wall"]), str(s["peak_mb"]), target]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scales", default="1,4,16", help="e.g. 1,4")
    p.add_argument("--json", action="store_true", help="print the table as JSON: a list of rows, one per step")
    p.add_argument("--workdir", type=Path, help="keep the samples, ledgers and results here (reused when present)")
    a = p.parse_args(argv)
    scales = sorted({int(k) for k in a.scales.split(",")})
    work = (a.workdir or Path(tempfile.mkdtemp(prefix="alxa-scale-"))).resolve()  # children run in the project root
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = measure(scales, work)
        table = summary(rows, scales)
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    if a.json:
        print(json.dumps(table, ensure_ascii=False, indent=1))
    else:
        print_table(table, scales)
    return 0 if all(s["linear"] and s.get("target_met", True) for s in table) else 1


if __name__ == "__main__":
    sys.exit(main())
