"""Measuring one command: wall time, CPU time (user + system, the command and every process it waited for,
e.g. a notebook's kernel) and peak memory, from ``os.wait4`` on that command alone."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Cost:
    wall: float
    cpu: float
    peak_mb: float
    stdout: str = ""

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.wall + other.wall, self.cpu + other.cpu, max(self.peak_mb, other.peak_mb))


def run(args: list[str], *, check: bool = True) -> Cost:
    """Run ``args`` (a Python module or script when the first item is not a path to a program) and measure it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "1"}  # no progress bars
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    t = time.perf_counter()
    out, err = _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({proc.returncode}): {err.strip()[-800:]}")
    return Cost(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def _drain(proc: subprocess.Popen) -> tuple[str, str]:
    """Read both pipes to the end without reaping the process (``communicate`` would reap it, and its
    resource usage with it)."""
    import threading
    chunks: dict[str, bytes] = {}

    def read(name: str, pipe) -> None:
        chunks[name] = pipe.read()

    threads = [threading.Thread(target=read, args=(n, p)) for n, p in (("out", proc.stdout), ("err", proc.stderr))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return chunks["out"].decode("utf-8", "replace"), chunks["err"].decode("utf-8", "replace")


def python(*args: str, check: bool = True) -> Cost:
    return run([sys.executable, *args], check=check)


def alxa(*args: str, check: bool = True) -> Cost:
    return python("-m", "alxa_lib.cli", *args, check=check)


def best_of(n: int, measure) -> Cost:
    """The cheapest of ``n`` runs by CPU (the machine's other load only ever adds)."""
    return min((measure() for _ in range(n)), key=lambda c: c.cpu)


def exponent(sizes: list[float], costs: list[float]) -> float:
    """b in cost ≈ a·size^b, least squares on the logarithms (nan with fewer than two sizes)."""
    pts = [(math.log(s), math.log(c)) for s, c in zip(sizes, costs) if s > 0 and c > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else float("nan")


def machine() -> str:
    """One line on the machine the figures were measured on."""
    import platform
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    return (f"machine: {os.cpu_count()} cores ({model}), {mem / 1024:.0f} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")
