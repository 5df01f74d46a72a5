"""Benchmark: payment rolls on a million children (issue 6).

    .venv/bin/python bench/benefits_roll.py            # after bench/generate_population.py
                                                       # and `manage.py classify_population`

On the benchmark database (hehu_bench): enrols every child whose classification holds a
benefit category (confirmed 2025-12, paid from January 2026) and gives 99% of them an
account (the rest are held for want of one), once; then times, in this process:

1. one county's roll for the month (generate, then generate again: the regeneration path
   deletes and rewrites the county's lines);
2. the province's roll (every county under "51": the ten counties of the population);
3. the fund-use checks of every county's cycle;
4. the next month's province roll with the full back-pay check (every enrolled child's
   months since the first roll compared with what was paid).

It prints seconds, rows and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time

from _common import DEFAULT_DATABASE_URL, ROOT, bench_env, loadavg, machine

MONTH = dt.date(2026, 11, 1)
NEXT = dt.date(2026, 12, 1)


def setup(database_url: str) -> None:
    os.environ.update(bench_env(database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def enrol_everyone() -> None:
    """Enrolments and accounts for the classified children (SQL, once)."""
    from django.db import connection

    from hehu.benefits.services.enrolments import benefit_categories
    from hehu.core.crypto import encrypt

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM benefits_enrolment")
        if cursor.fetchone()[0]:
            return
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO benefits_enrolment
              (child_id, category, county_code, source, confirmed_on, starts_month,
               stop_reason, note, version, created_at, updated_at)
            SELECT cc.child_id, cat, substr(ch.region_id, 1, 6), 'county', DATE '2025-12-10',
                   DATE '2026-01-01', '', '', 1, now() - interval '30 days',
                   now() - interval '30 days'
            FROM policy_childclassification cc
            JOIN registry_child ch ON ch.id = cc.child_id AND ch.status = 'active',
                 jsonb_array_elements_text(cc.categories) AS cat
            WHERE cat = ANY(%s)
            """,
            [sorted(benefit_categories())],
        )
        enrolments = cursor.rowcount
        token = encrypt("6217000000000000000")
        cursor.execute(
            """
            INSERT INTO benefits_payeeaccount
              (child_id, holder_kind, holder_name, bank_name, account_encrypted,
               account_index, account_last4, active, recorded_at, updated_at, version)
            SELECT DISTINCT child_id, 'guardian', '监护人', '农村信用社', %s,
                   md5(child_id::text), lpad((child_id %% 10000)::text, 4, '0'), true,
                   now() - interval '30 days', now() - interval '30 days', 1
            FROM benefits_enrolment WHERE child_id %% 100 <> 0
            """,
            [token],
        )
        accounts = cursor.rowcount
        cursor.execute("ANALYZE benefits_enrolment; ANALYZE benefits_payeeaccount")
    print(
        f"enrolled: {enrolments:,} enrolments, {accounts:,} accounts "
        f"in {time.perf_counter() - started:.1f} s"
    )


def officer():  # type: ignore[no-untyped-def]
    from hehu.accounts.models import Jurisdiction, Role, User

    user, created = User.objects.get_or_create(
        username="bench_benefits",
        defaults={"role": Role.COUNTY_CIVIL_AFFAIRS, "full_name": "bench"},
    )
    if created:
        Jurisdiction.objects.create(user=user, prefix="51")
    return user


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s (peak RSS {peak_mb():.0f} MB)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    setup(args.database_url)

    from hehu.benefits.anomalies.service import check_cycle
    from hehu.benefits.models import PaymentCycle, PaymentLine
    from hehu.benefits.services.cycles import counties_under, generate_cycles

    print(f"machine: {machine()}; load average before: {loadavg()}")
    enrol_everyone()
    actor = officer()
    PaymentCycle.objects.filter(month__in=[MONTH, NEXT]).delete()
    from django.db.models import Count

    from hehu.benefits.models import Enrolment

    county = (
        Enrolment.objects.values("county_code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("county_code", flat=True)
        .first()
    )
    print(f"counties under 51: {len(counties_under('51'))}; the largest roll: {county}")

    one = timed(
        f"county {county} roll, first generation",
        lambda: generate_cycles(actor=actor, region_prefix=county, month=MONTH),
    )
    cycle = one.cycles[0]
    print(
        f"  {cycle.children:,} children, {cycle.lines.count():,} lines, {cycle.total_amount} yuan"
    )
    timed(
        f"county {county} roll, generated again",
        lambda: generate_cycles(actor=actor, region_prefix=county, month=MONTH),
    )
    result = timed(
        "province 51 roll (every county)",
        lambda: generate_cycles(actor=actor, region_prefix="51", month=MONTH),
    )
    lines = PaymentLine.objects.filter(cycle__month=MONTH).count()
    print(
        f"  {len(result.cycles)} cycles, {sum(c.children for c in result.cycles):,} children, "
        f"{lines:,} lines"
    )
    checks = timed(
        "fund-use checks of every county's cycle",
        lambda: [check_cycle(cycle=c) for c in result.cycles],
    )
    print(f"  {sum(c.found for c in checks):,} anomalies found, {sum(c.held for c in checks)} held")
    PaymentCycle.objects.filter(month=MONTH).update(status=PaymentCycle.Status.APPROVED)
    timed(
        "next month's province roll with the full back-pay check",
        lambda: generate_cycles(
            actor=actor, region_prefix="51", month=NEXT, full_back_pay_check=True
        ),
    )
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()
