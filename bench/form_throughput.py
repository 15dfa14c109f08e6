"""Form POST throughput and latency: fic beside a bare Flask + SQLAlchemy INSERT app.

Both run under the same gunicorn settings (2 sync workers) on the same PostgreSQL server,
each on a database of its own, and get the same load: wrk, 50 connections, the same form
body, every request to its own live link (fic's links are single use). fic runs in
production mode with a redis-server of its own (no worker: this measures the web tier).
Runs alternate fic, bare, fic, bare, ...; the table gives each side's median over the runs
and the ratio. Targets (issue 15): throughput >= 0.6x the bare app, p95 < 2x the bare app's.

    .venv/bin/python bench/form_throughput.py [--runs 5] [--duration 10] [--connections 50]

Needs wrk (Debian package) and PostgreSQL (FIC_BENCH_POSTGRES_URL; default the local
server). Creates databases fic_bench_* and drops only those.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support  # noqa: E402

BODY = {"safety": "8.5", "heard": "9.1", "goals": "7.9", "approach": "8.8",
        "tension": "none", "comment": "It was good to talk about the week."}
LUA = """
-- each line: a link token and its form's token (what the page the client opened carries)
local tokens, forms = {}, {}
for line in io.lines("%(tokens)s") do
  local token, form = line:match("(%%S+) (%%S+)")
  tokens[#tokens + 1] = token
  forms[#forms + 1] = form
end
local i = 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
local body = "%(body)s"
request = function()
  i = i + 1
  local k = ((i - 1) %% #tokens) + 1
  return wrk.format("POST", "/f/" .. tokens[k], headers, "csrf_token=" .. forms[k] .. "&" .. body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"socket_errors": %%d, "timeouts": %%d, "bad_status": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write, e.timeout, e.status))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--links-per-run", type=int, default=None,
                        help="live links prepared for each fic run (default 1500 a second of "
                             "--duration, more than it can answer: a link used twice is a "
                             "cheap 410)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk; scripts/system-packages.sh)")
    work = Path(tempfile.mkdtemp(prefix="fic-bench-form-"))
    try:
        with support.own_database("form") as fic_db, support.own_database("bare") as bare_db, \
                support.own_redis(work) as redis_url:
            results = run(args, work, fic_db, bare_db, redis_url)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results, args)


def run(args, work: Path, fic_db: str, bare_db: str, redis_url: str) -> dict[str, list[dict]]:
    from fic import create_app
    from fic.settings import Settings

    instance = work / "instance"
    env = support.fic_env(instance, fic_db, redis_url)
    app = create_app(Settings(**{k.removeprefix("FIC_").lower(): v for k, v in env.items()}))
    app.extensions["fic"].db.upgrade()
    per_run = args.links_per_run or 1500 * args.duration
    tokens = support.seed_links(app, per_run * (args.runs + 1) + 1)
    app.extensions["fic"].db.dispose()
    bare_env = {"BARE_DATABASE_URL": bare_db}
    subprocess.run([sys.executable, "-c",  # noqa: S603 - our own interpreter and module
                    "from bench.bare_app import Base, engine; Base.metadata.create_all(engine)"],
                   cwd=support.ROOT, env={**support.os.environ, **bare_env}, check=True)
    ports = {"fic": support.free_port(), "bare": support.free_port()}
    servers = {
        "fic": support.gunicorn("fic:create_app()", ports["fic"], env, args.workers,
                                work / "fic.log"),
        "bare": support.gunicorn("bench.bare_app:app", ports["bare"], bare_env, args.workers,
                                 work / "bare.log"),
    }
    try:
        for port in ports.values():
            support.wait_for_http(f"http://127.0.0.1:{port}/f/x")
        forms = support.form_tokens(app, ports["fic"], tokens)
        body = urllib.parse.urlencode(BODY)
        scripts = {}
        for n in range(args.runs + 1):  # slice 0 is the warm-up's
            chunk = work / f"tokens-{n}.txt"
            chunk.write_text("".join(f"{token} {forms[token]}\n"
                                     for token in tokens[n * per_run:(n + 1) * per_run]))
            scripts[n] = write_lua(work / f"post-{n}.lua", chunk, body)
        bare_tokens = work / "tokens-bare.txt"  # the same body, a form token as long
        bare_tokens.write_text("".join(f"bare{i} {forms[tokens[i]]}\n" for i in range(1000)))
        bare_script = write_lua(work / "post-bare.lua", bare_tokens, body)
        for name in ports:  # warm-up, not counted
            wrk(ports[name], scripts[0] if name == "fic" else bare_script, 3, args.connections)
        results: dict[str, list[dict]] = {"fic": [], "bare": []}
        for n in range(1, args.runs + 1):
            for name in ("fic", "bare"):
                script = scripts[n] if name == "fic" else bare_script
                db = fic_db if name == "fic" else bare_db
                before = support.cpu_seconds(servers[name].pid)
                db_before = support.database_cpu_seconds(db)
                figures = wrk(ports[name], script, args.duration, args.connections)
                figures["cpu_s"] = support.cpu_seconds(servers[name].pid) - before
                figures["db_cpu_s"] = support.database_cpu_seconds(db) - db_before
                results[name].append(figures)
                print(f"run {n} {name}: {figures['rps']:.0f} req/s, "
                      f"p95 {figures['p95_us'] / 1000:.1f} ms, "
                      f"bad {figures['bad_status'] + figures['socket_errors']}", flush=True)
    finally:
        for proc in servers.values():
            support.stop(proc)
    return results


def write_lua(path: Path, tokens: Path, body: str) -> Path:
    path.write_text(LUA % {"tokens": tokens, "body": body})
    return path


def wrk(port: int, script: Path, duration: int, connections: int) -> dict:
    out = subprocess.run(  # noqa: S603 - a fixed binary and our own arguments
        [shutil.which("wrk") or "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
         "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def print_table(results: dict[str, list[dict]], args) -> None:
    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    def cpu(name: str, key: str = "cpu_s") -> float:
        return statistics.median(r[key] / max(1, r["requests"]) for r in results[name])

    fic_rps, bare_rps = med("fic", "rps"), med("bare", "rps")
    rows = [
        ("form POST throughput (req/s)", fic_rps, bare_rps, fic_rps / bare_rps, ">= 0.6"),
        ("p50 latency (ms)", med("fic", "p50_us") / 1e3, med("bare", "p50_us") / 1e3,
         med("fic", "p50_us") / med("bare", "p50_us"), ""),
        (f"p95 latency at {args.connections} connections (ms)", med("fic", "p95_us") / 1e3,
         med("bare", "p95_us") / 1e3, med("fic", "p95_us") / med("bare", "p95_us"), "< 2"),
        ("p99 latency (ms)", med("fic", "p99_us") / 1e3, med("bare", "p99_us") / 1e3,
         med("fic", "p99_us") / med("bare", "p99_us"), ""),
        ("web CPU per POST (ms)", cpu("fic") * 1e3, cpu("bare") * 1e3, cpu("fic") / cpu("bare"),
         ""),
        ("PostgreSQL CPU per POST (ms)", cpu("fic", "db_cpu_s") * 1e3,
         cpu("bare", "db_cpu_s") * 1e3,
         cpu("fic", "db_cpu_s") / max(1e-9, cpu("bare", "db_cpu_s")), ""),
    ]
    bad = {name: sum(r["bad_status"] + r["socket_errors"] + r["timeouts"] for r in runs)
           for name, runs in results.items()}
    print(f"\nmedians of {args.runs} interleaved runs of {args.duration} s, gunicorn -w "
          f"{args.workers} (sync), PostgreSQL, wrk -c{args.connections}")
    print(f"| {'figure':<40} | {'fic':>9} | {'bare':>9} | {'ratio':>6} | target |")
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 11}|{'-' * 8}|--------|")
    for label, fic, bare, ratio, target in rows:
        digits = 2 if "CPU" in label else 1  # a tenth of a millisecond is a tenth of a POST
        print(f"| {label:<40} | {fic:>9.{digits}f} | {bare:>9.{digits}f} | {ratio:>6.2f} "
              f"| {target:<6} |")
    print("per run, fic req/s:", " ".join(f"{r['rps']:.0f}" for r in results["fic"]),
          "| bare req/s:", " ".join(f"{r['rps']:.0f}" for r in results["bare"]))
    print(f"non-2xx/3xx, socket errors, timeouts: fic {bad['fic']}, bare {bad['bare']}")


if __name__ == "__main__":
    main()
