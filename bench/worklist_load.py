"""Benchmark: a county officer's work list (first page, web and API) under concurrent
clients — the real app server (gunicorn, production settings over loopback HTTP) driven by
wrk, as bench/http_load.py does (its server, sign-in and wrk helpers are reused).

    .venv/bin/python bench/worklist_load.py --duration 30 --connections 20 --think-ms 0

Needs cases (bench/cases_generate.py). Signs in a county civil-affairs officer of the
county with most open work items and measures, for N seconds each: the work list's first
page ("mine": the county's own items and those escalated to it; "all": every level of the
county), on the web page and over the API. Prints p50/p95/p99 latency, throughput and
errors, with the load average.
"""

from __future__ import annotations

import argparse
import shutil
import signal

from _common import DEFAULT_DATABASE_URL, bench_env, machine, manage
from http_load import (
    Scenario,
    bench_user_and_targets,
    django_setup,
    measure,
    sign_in,
    start_server,
)


def busiest_county() -> tuple[str, int, int]:
    """The county with most open work items; its items and the whole table's."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from hehu.cases.models import WorkItem

    open_items = WorkItem.objects.filter(status="open")
    top = (
        open_items.annotate(county=Substr("region_code", 1, 6))
        .values("county")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top is None:
        raise SystemExit("no open work items: run bench/cases_generate.py first")
    return str(top["county"]), int(top["n"]), open_items.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--county", default=None, help="6-digit county (default: the busiest)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    parser.add_argument("--think-ms", default="0", help="pause between requests; list: 1000,0")
    parser.add_argument("--worker-class", default="sync")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    env = bench_env(args.database_url)
    manage(["migrate", "--noinput", "-v", "0"], env)
    manage(["collectstatic", "--noinput", "-v", "0"], env)
    django_setup(env)
    county, in_county, total = busiest_county()
    county, _ids = bench_user_and_targets(args.county or county)
    scenarios = [
        Scenario("API mine, page 1", ["/api/v1/worklist/"], "application/json"),
        Scenario("web mine, page 1", ["/worklist/"], "text/html"),
        Scenario("API all, page 1", ["/api/v1/worklist/?view=all"], "application/json"),
        Scenario("web all, page 1", ["/worklist/?view=all"], "text/html"),
    ]
    scenarios = [s for s in scenarios if args.only in s.name]
    print(f"machine: {machine()}; {total:,} open items, {in_county:,} in county {county}")
    print(
        f"server: gunicorn, {args.workers} {args.worker_class} workers, config.settings.bench; "
        f"load: wrk, {args.threads} threads, {args.connections} connections, "
        f"{args.duration} s per scenario"
    )
    server = start_server(env, args.port, args.workers, args.worker_class)
    base = f"http://127.0.0.1:{args.port}"
    try:
        cookie = sign_in(base)
        for think_ms in (int(t) for t in str(args.think_ms).split(",")):
            print(f"think time {think_ms} ms" + (" (closed loop)" if not think_ms else ""))
            print(f"{'scenario':<18} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
                  f"{'req/s':>7} {'errors':>7}  load avg   check")  # fmt: skip
            for scenario in scenarios:
                measure(base, cookie, scenario, args, think_ms)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
