"""Benchmark: add open cases to the benchmark population, with their clocks, using COPY.

    .venv/bin/python bench/cases_generate.py --cases 200000 --seed 1

Needs a population (bench/generate_population.py). Picks N random active children under 16
without a case and writes, per child: an open case in the child's village (status spread
over the flow), its one scheduled visit and the visit's work item; besides, a realistic
share of assessment (intake/assessment cases), plan (planning), township plan review and
county plan approval items. Due dates spread over the next 90 days, and one item in ten
is overdue by up to 40 days (the first sweep escalates them). Prints the time, the
row counts and how many items are overdue. `--replace` deletes the cases (and their visits,
items and escalations) written before.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

from _common import DEFAULT_DATABASE_URL, ROOT, bench_env, loadavg, machine

STATUSES = [  # (status, share)
    ("intake", 0.10),
    ("assessment", 0.10),
    ("planning", 0.10),
    ("in_service", 0.45),
    ("follow_up", 0.20),
    ("evaluation", 0.05),
]
OVERDUE_SHARE = 0.10
VISIT_RULE = {"zh": "一般：每 3 个月走访一次", "en": "normal risk: every 3 month(s)"}
HIGH_RULE = {"zh": "高风险：每 1 个月走访一次", "en": "high risk: every 1 month(s)"}
RULES = {
    "assessment": {"zh": "开案后 10 个工作日内完成评估", "en": "assess within 10 working days"},
    "plan": {"zh": "评估后 10 个工作日内制定服务计划", "en": "plan within 10 working days"},
    "plan_review": {"zh": "提交后 5 个工作日内审核", "en": "review within 5 working days"},
    "plan_approval": {"zh": "审核后 5 个工作日内审批", "en": "approve within 5 working days"},
}


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pick_children(n: int, seed: int, today: dt.date) -> list[tuple[int, str]]:
    """N random active children under 16 with no case, with their village codes."""
    from django.db import connection

    youngest_born = today.replace(year=today.year - 16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            """
            SELECT c.id, c.region_id FROM registry_child c
            WHERE c.status = 'active' AND c.birth_date > %s
              AND NOT EXISTS (SELECT 1 FROM cases_case k WHERE k.child_id = c.id)
            ORDER BY random() LIMIT %s
            """,
            [youngest_born, n],
        )
        return [(int(i), str(r)) for i, r in cursor.fetchall()]


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 1


def copy(table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out,
    ):
        for row in rows:
            out.write_row(row)


def generate(children: list[tuple[int, str]], seed: int, today: dt.date) -> dict[str, int]:
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    rng = random.Random(seed)
    now = timezone.now()
    case_id, visit_id, item_id = (
        next_id("cases_case"),
        next_id("cases_visit"),
        next_id("cases_workitem"),
    )
    cases: list[tuple[object, ...]] = []
    visits: list[tuple[object, ...]] = []
    items: list[tuple[object, ...]] = []
    visit_head, visit_rest = visit_columns()
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]

    def due() -> dt.date:
        # Mostly ahead; one in ten overdue, by up to 40 days (the first sweep escalates).
        if rng.random() < OVERDUE_SHARE:
            return today - dt.timedelta(days=rng.randint(1, 40))
        return today + dt.timedelta(days=rng.randint(0, 90))

    def item(kind: str, level: str, code: str, child: int, case: int, obj: str, oid: int,
             rule: dict[str, str], on: dt.date) -> None:  # fmt: skip
        nonlocal item_id
        digits = {"village": 12, "township": 9, "county": 6}[level]
        items.append(
            (item_id, kind, "open", code[:digits].ljust(12, "0"), level, level, on, False,
             Jsonb(rule), case, None, child, obj, oid, now, None, None, "civil_affairs", None)
        )  # fmt: skip
        item_id += 1

    for child, village in children:
        status = rng.choices(statuses, weights)[0]
        high = rng.random() < 0.12
        opened = now - dt.timedelta(days=rng.randint(1, 400))
        cases.append(
            (case_id, child, village, village, status, False, "high" if high else "normal",
             "category", "orphan", "", "", opened, None, None, None, "", "", None, 1, now)
        )  # fmt: skip
        on = due()
        reason = Jsonb(HIGH_RULE if high else VISIT_RULE)
        visits.append((visit_id, case_id, on, "scheduled", reason, *visit_rest))
        item("visit", "village", village, child, case_id, "visit", visit_id,
             HIGH_RULE if high else VISIT_RULE, on)  # fmt: skip
        if status in ("intake", "assessment"):
            item("assessment", "village", village, child, case_id, "case", case_id,
                 RULES["assessment"], due())  # fmt: skip
        if status == "planning":
            roll = rng.random()
            if roll < 0.6:
                item("plan", "village", village, child, case_id, "case", case_id,
                     RULES["plan"], due())  # fmt: skip
            elif roll < 0.85:
                item("plan_review", "township", village, child, case_id, "plan", case_id,
                     RULES["plan_review"], due())  # fmt: skip
            else:
                item("plan_approval", "county", village, child, case_id, "plan", case_id,
                     RULES["plan_approval"], due())  # fmt: skip
        case_id += 1
        visit_id += 1

    case_columns = [
        "id", "child_id", "region_id", "region_code", "status", "emergency", "risk", "source",
        "source_category", "referred_by_department", "reason", "opened_at", "opened_by_id",
        "worker_id", "closed_at", "close_reason", "close_note", "reopened_from_id", "version",
        "updated_at",
    ]  # fmt: skip
    copy("cases_case", case_columns, cases)
    copy("cases_visit", visit_head, visits)
    copy("cases_workitem", ["id", "kind", "status", "region_code", "origin_level", "level",
                            "due_on", "provisional", "rule", "case_id", "application_id",
                            "child_id", "object_type", "object_id", "created_at", "done_at",
                            "escalated_at", "department", "due_at"], items)  # fmt: skip
    return {"cases": len(cases), "visits": len(visits), "work_items": len(items)}


def visit_columns() -> tuple[list[str], tuple[object, ...]]:
    """id, case, due_on, status, schedule_reason, then the findings: empty (null or '')."""
    from hehu.cases.models import Visit

    head = ["id", "case_id", "due_on", "status", "schedule_reason"]
    rest = [f for f in Visit._meta.concrete_fields if f.column not in head]
    values = tuple(None if f.null else f.get_default() for f in rest)
    return head + [f.column for f in rest], values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replace", action="store_true", help="delete existing cases first")
    args = parser.parse_args()
    env = bench_env(args.database_url)
    django_setup(env)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", "--noinput", verbosity=0)
    print(f"machine: {machine()}; load average before: {loadavg()}")
    today = timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        if args.replace:
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE cases_escalation, cases_workitem, cases_visit, cases_casetransition,"
                    " cases_case CASCADE"
                )
        children = pick_children(args.cases, args.seed, today)
        picked = time.perf_counter()
        counts = generate(children, args.seed, today)
    written = time.perf_counter()
    from django.core.management.color import no_style

    from hehu.cases.models import Case, Visit, WorkItem

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, Visit, WorkItem]):
            cursor.execute(sql)
        cursor.execute("ANALYZE cases_case; ANALYZE cases_visit; ANALYZE cases_workitem")
        cursor.execute(
            "SELECT count(*) FILTER (WHERE due_on < %s), count(*) FROM cases_workitem"
            " WHERE status = 'open'",
            [today],
        )
        overdue, open_items = cursor.fetchone() or (0, 0)
    ended = time.perf_counter()
    print(
        f"{counts['cases']:,} cases, {counts['visits']:,} visits, {counts['work_items']:,} work "
        f"items in {ended - started:.1f} s (pick children {picked - started:.1f} s, COPY "
        f"{written - picked:.1f} s, analyze {ended - written:.1f} s); open items now "
        f"{open_items:,}, overdue {overdue:,}; load average after: {loadavg()}"
    )


if __name__ == "__main__":
    main()
