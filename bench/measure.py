"""Measuring one command: wall time, CPU time (user + system, the command and every process it waited for,
e.g. a notebook's kernel) and peak memory, from ``os.wait4`` on that command alone."""
from __future__ import annotations

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
    stderr: str = ""
    code: int = 0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.wall + other.wall, self.cpu + other.cpu, max(self.peak_mb, other.peak_mb))


def run(args: list[str], *, check: bool = True, env: dict[str, str] | None = None) -> Cost:
    """Run the program ``args`` and measure it; ``env`` adds to the environment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "1", **(env or {})}  # CI: no progress bars
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    t = time.perf_counter()
    out, err = _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({proc.returncode}): {err.strip()[-800:]}")
    return Cost(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out, err, proc.returncode)


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


def python(*args: str, check: bool = True, env: dict[str, str] | None = None) -> Cost:
    return run([sys.executable, *args], check=check, env=env)


def alxa(*args: str, check: bool = True, env: dict[str, str] | None = None) -> Cost:
    return python("-m", "alxa_lib.cli", *args, check=check, env=env)


def best_of(n: int, measure) -> Cost:
    """The cheapest of ``n`` runs by CPU (the machine's other load only ever adds)."""
    return min((measure() for _ in range(n)), key=lambda c: c.cpu)


def machine() -> str:
    """One line on the machine the figures were measured on."""
    import platform
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    return (f"machine: {os.cpu_count()} cores ({model}), {mem / 1024:.0f} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")
