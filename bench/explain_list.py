"""The list and detail pages in-process at full size: EXPLAIN of their queries, or the
Python CPU and the number of queries each request costs.

    .venv/bin/python bench/explain_list.py [--county 511502] [--filter with_relatives]
    .venv/bin/python bench/explain_list.py --cpu 200     # CPU per request, 4 scenarios

Requests pages through Django's test client (the whole middleware stack, the production
settings of config.settings.bench, no HTTP server) as the benchmark county officer
(bench/http_load.py creates the account).

Without `--cpu`: captures the SQL Django sends for the first page of the API list (or the
web list, or `--url`) and prints each query on the registry's tables with EXPLAIN
(ANALYZE, BUFFERS).

With `--cpu N`: requests each scenario of bench/http_load.py N times (details rotate over
50 children of the county) and prints the queries per request and the CPU time of this
process per request (`time.process_time`: the app's Python, excluding PostgreSQL's own
work), min / median / p90. CPU time barely depends on what else runs on the machine, so
this compares code changes where wall-clock latency cannot. "PG mean" is the CPU of the
PostgreSQL backend process serving the connection (from /proc, same machine only; 10 ms
ticks, so a mean over many requests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import DEFAULT_DATABASE_URL, ROOT, bench_env


def explain(client: Any, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches the way a running server has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    print(f"GET {url} -> {response.status_code}, {len(captured.captured_queries)} queries")
    for query in captured.captured_queries:
        sql = query["sql"]
        print(f"\n-- {query['time']} s\n{sql[:2000]}\n")
        if "registry_" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print(line)


def cpu(client: Any, name: str, urls: list[str], accept: str, repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:5]:  # warm: templates, translations, connection, caches
        client.get(url, HTTP_ACCEPT=accept)
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[0], HTTP_ACCEPT=accept)
    queries = len(captured)  # read now: the next request clears the connection's log
    times = []
    server_before = backend_cpu_seconds()
    for i in range(repeat):
        url = urls[i % len(urls)]
        started = time.process_time()
        response = client.get(url, HTTP_ACCEPT=accept)
        times.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} -> {response.status_code}")
    server = (backend_cpu_seconds() - server_before) * 1000 / repeat
    times.sort()
    p90 = times[int(len(times) * 0.9)]
    print(
        f"{name:<18} {queries:>7} {times[0]:>7.1f} "
        f"{statistics.median(times):>7.1f} {p90:>7.1f} {server:>9.1f}"
    )


def backend_cpu_seconds() -> float:
    """CPU used so far by the PostgreSQL backend serving this connection (same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--county", default="511502")
    parser.add_argument("--filter", default="with_relatives", help="living_arrangement")
    parser.add_argument("--web", action="store_true", help="the web page instead of the API")
    parser.add_argument("--url", default=None, help="explain this page instead (e.g. a detail)")
    parser.add_argument(
        "--cpu", type=int, default=0, metavar="N", help="CPU per request over N requests"
    )
    parser.add_argument("--only", default="", help="with --cpu: scenarios whose name has this")
    parser.add_argument("--settings", default="config.settings.bench", help="settings module")
    args = parser.parse_args()
    os.environ.update(bench_env(args.database_url, args.settings))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from hehu.accounts.models import User
    from hehu.registry.models import Child

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench_county"))
    query = f"?region={args.county}&living_arrangement={args.filter}"
    if not args.cpu:
        prefix = "/children/" if args.web else "/api/v1/children/"
        explain(client, args.url or f"{prefix}{query}")
        return
    ids = list(
        Child.objects.filter(region__code__startswith=args.county, status="active")
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    scenarios = [
        ("API list, page 1", [f"/api/v1/children/{query}"], "application/json"),
        ("web list, page 1", [f"/children/{query}"], "text/html"),
        ("API detail", [f"/api/v1/children/{i}/" for i in ids], "application/json"),
        ("web detail", [f"/children/{i}/" for i in ids], "text/html"),
    ]
    print(f"{args.cpu} requests per scenario; CPU ms of this process per request")
    print(f"{'scenario':<18} {'queries':>7} {'min':>7} {'median':>7} {'p90':>7} {'PG mean':>9}")
    for name, urls, accept in scenarios:
        if args.only in name:
            cpu(client, name, urls, accept, args.cpu)


if __name__ == "__main__":
    main()
