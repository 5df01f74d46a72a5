"""Benchmark: generate a population straight into a dedicated PostgreSQL database.

    .venv/bin/python bench/generate_population.py --children 1000000 --seed 1 --recreate

Recreates the database (only one whose name starts with "hehu_bench"), migrates it, runs
`manage.py generate_population` and prints the time, rows/s and the CPU it used. The
machine is shared: the load average before and after is printed next to the figures.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from urllib.parse import urlparse

import psycopg
from _common import DEFAULT_DATABASE_URL, PYTHON, ROOT, bench_env, loadavg, machine, manage


def recreate(database_url: str) -> None:
    url = urlparse(database_url)
    name = url.path.lstrip("/")
    if not name.startswith("hehu_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: only hehu_bench* databases")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_size(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    return str(row[0]) if row else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recreate", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()

    env = bench_env(args.database_url)
    if args.recreate:
        recreate(args.database_url)
    manage(["migrate", "--noinput", "-v", "0"], env)
    print(f"machine: {machine()}; load average before: {loadavg()}")
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        PYTHON, str(ROOT / "manage.py"), "generate_population",
        "--children", str(args.children), "--seed", str(args.seed),
        "--workers", str(args.workers),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(result.stdout.rstrip())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"wall {wall:.1f} s; generator processes used {cpu:.1f} CPU-s "
        f"(PostgreSQL server time not included); load average after: {loadavg()}; "
        f"database size {database_size(args.database_url)}"
    )


if __name__ == "__main__":
    main()
