"""How long the `fic` command takes to start: `fic --help` and two simple commands.

Each command runs in a fresh process, several times; the table gives the median wall time
(what a person waits), the median CPU time of the process (what it costs; the better figure
on a shared, loaded machine) and its peak memory. Target (issue 15): `fic --help` under
0.5 s. The simple commands run on an embedded instance of their own (SQLite, a temporary
folder), created before the clock starts and removed afterwards.

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "fic --help": ["--help"],
    "fic mail": ["mail"],
    "fic audit verify": ["audit", "verify"],
}


def fic_binary() -> str:
    local = Path(sys.executable).with_name("fic")
    return str(local) if local.exists() else (shutil.which("fic") or "fic")


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([fic_binary(), *argv], env=env, cwd=ROOT, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fic-bench-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIC_")}
    env["FIC_INSTANCE_PATH"] = str(folder / "instance")
    try:
        subprocess.run([fic_binary(), "init"], env=env, cwd=ROOT, check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL)
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in COMMANDS}
        for _ in range(args.runs):  # interleaved, so load on the machine hits all alike
            for name, argv in COMMANDS.items():
                results[name].append(run_once(argv, env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"median of {args.runs} fresh processes each (load average {load:.1f} on "
          f"{os.cpu_count()} cores)")
    print(f"| {'command':<18} | {'wall (s)':>8} | {'CPU (s)':>7} | {'peak RSS (MB)':>13} |"
          " target |")
    print(f"|{'-' * 20}|{'-' * 10}|{'-' * 9}|{'-' * 15}|--------|")
    for name, runs in results.items():
        wall, cpu, rss = (statistics.median(r[i] for r in runs) for i in range(3))
        target = "< 0.5 s" if name == "fic --help" else ""
        print(f"| {name:<18} | {wall:>8.2f} | {cpu:>7.2f} | {rss:>13.0f} | {target:<6} |")


if __name__ == "__main__":
    main()
