"""EXPLAIN (ANALYZE, BUFFERS) of every query the county child list runs, at full size.

    .venv/bin/python bench/explain_list.py [--county 511502] [--filter with_relatives]

Requests the first page of the API list (and the web list) in-process as the benchmark
county officer (bench/http_load.py creates the account), captures the SQL Django sends,
and prints each query on the registry's tables with its timing and plan.
"""

from __future__ import annotations

import argparse
import os
import sys

from _common import DEFAULT_DATABASE_URL, ROOT, bench_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--county", default="511502")
    parser.add_argument("--filter", default="with_relatives", help="living_arrangement")
    parser.add_argument("--web", action="store_true", help="the web page instead of the API")
    parser.add_argument("--url", default=None, help="explain this page instead (e.g. a detail)")
    args = parser.parse_args()
    os.environ.update(bench_env(args.database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hehu.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench_county"))
    prefix = "/children/" if args.web else "/api/v1/children/"
    url = args.url or f"{prefix}?region={args.county}&living_arrangement={args.filter}"
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


if __name__ == "__main__":
    main()
