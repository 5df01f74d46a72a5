"""Benchmark: the nightly deadline sweep over every open item of the benchmark database.

    .venv/bin/python bench/sweep.py [--as-of YYYY-MM-DD] [--repeat 3] [--keep]

Needs cases (bench/cases_generate.py). Runs hehu.cases.services.sweep.deadlines_sweep as
of the date (default today) and prints its counts and the time of each part; by default
inside a transaction rolled back at the end, so that every repetition sweeps the same
overdue items (`--keep` commits the last one, as the nightly task would). Then a second
sweep on the same date shows the idempotent night (nothing left to do).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time

from _common import DEFAULT_DATABASE_URL, ROOT, bench_env, loadavg, machine


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="commit the last sweep")
    args = parser.parse_args()
    os.environ.update(bench_env(args.database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from hehu.cases.services.sweep import deadlines_sweep

    as_of: dt.date = args.as_of or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE due_on < %s) FROM cases_workitem"
            " WHERE status = 'open'",
            [as_of],
        )
        open_items, overdue = cursor.fetchone() or (0, 0)
        cursor.execute("SELECT count(*) FROM cases_case WHERE status <> 'closed'")
        open_cases = (cursor.fetchone() or (0,))[0]
    print(f"machine: {machine()}; load average before: {loadavg()}")
    print(
        f"as of {as_of}: {open_cases:,} open cases, {open_items:,} open items, {overdue:,} overdue"
    )
    for run in range(1, args.repeat + 1):
        keep = args.keep and run == args.repeat
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        try:
            with transaction.atomic():
                first = deadlines_sweep(as_of=as_of)
                middle = time.perf_counter()
                second = deadlines_sweep(as_of=as_of)
                ended = time.perf_counter()
                if not keep:
                    raise Rollback
        except Rollback:
            pass
        used = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in first.timings.items())
        print(
            f"run {run}: sweep {middle - started:.2f} s ({parts}); escalated {first.escalated:,} "
            f"items in {first.escalations:,} steps {first.by_level}, opened {first.opened}, "
            f"closed {first.closed}; second sweep {ended - middle:.2f} s "
            f"(escalated {second.escalated}, opened {second.opened}, closed {second.closed}); "
            f"python CPU {client_cpu:.2f} s; {'committed' if keep else 'rolled back'}; "
            f"load average {loadavg()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
