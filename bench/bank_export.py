"""Benchmark: a county's bank file of 100,000 transfers, CSV and XLSX (target ≤ 10 s).

    .venv/bin/python bench/bank_export.py [--transfers 100000] [--repeat 3] [--no-import]

Creates the database if it is missing (by default hehu_bankbench on the local PostgreSQL;
only hehu_bench* or hehu_bankbench* names), migrates it, and creates — or reuses when it
has the right size — a synthetic approved cycle (county 511502, month 2099-01) of N
children, each with a transfer whose account number is stored encrypted. Then times
hehu.benefits.services.bank.export_bank_file for CSV and XLSX (the whole service: query,
decryption of every account number, writing, audit), and the import of the bank's result
file for every transfer; each run inside a transaction rolled back at the end, so every
repetition starts from the same approved cycle. Prints rows, seconds and the process's
peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from decimal import Decimal
from urllib.parse import urlparse

import psycopg
from _common import ROOT, bench_env, loadavg, machine

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hehu_bankbench"
COUNTY = "511502"
VILLAGE = "511502001001"
MONTH = dt.date(2099, 1, 1)
BATCH = 5000


class Rollback(Exception):
    pass


def create_database(database_url: str) -> None:
    url = urlparse(database_url)
    name = url.path.lstrip("/")
    if not name.startswith(("hehu_bench", "hehu_bankbench")):
        raise SystemExit(f"refusing to create {name!r}: only hehu_bench* or hehu_bankbench*")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def officer():  # type: ignore[no-untyped-def]
    from hehu.accounts.models import Department, Jurisdiction, Role, User

    user, created = User.objects.get_or_create(
        username="bench-bank",
        defaults={"role": Role.COUNTY_CIVIL_AFFAIRS, "department": Department.CIVIL_AFFAIRS},
    )
    if created:
        Jurisdiction.objects.create(user=user, prefix=COUNTY)
    return user


def regions():  # type: ignore[no-untyped-def]
    from hehu.regions.codes import ancestor_codes, level_of
    from hehu.regions.models import Region

    parent = None
    for code in [*reversed(ancestor_codes(VILLAGE)), VILLAGE]:
        parent, _ = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": f"基准测试区划{code}",
                "level": level_of(code),
                "parent": parent,
                "source_year": 2024,
                "is_demo": True,
                "urban_rural": "220" if code == VILLAGE else "",
            },
        )
    return parent


def cycle_of(size: int):  # type: ignore[no-untyped-def]
    """The synthetic approved cycle with `size` pending transfers (created when missing)."""
    from django.db import transaction
    from django.utils import timezone

    from hehu.benefits.models import PaymentCycle, PaymentLine, Transfer
    from hehu.core.crypto import encrypt
    from hehu.registry.models import Child

    existing = PaymentCycle.objects.filter(county_code=COUNTY, month=MONTH).first()
    if existing is not None and existing.transfers.count() == size:
        return existing
    started = time.perf_counter()
    with transaction.atomic():
        if existing is not None:
            PaymentLine.objects.filter(cycle=existing).delete()
            existing.transfers.all().delete()
            existing.delete()
        village = regions()
        cycle = PaymentCycle.objects.create(
            county_code=COUNTY,
            month=MONTH,
            status=PaymentCycle.Status.APPROVED,
            generated_at=timezone.now(),
            approved_at=timezone.now(),
        )
        for start in range(0, size, BATCH):
            count = min(BATCH, size - start)
            children = Child.objects.bulk_create(
                [
                    Child(
                        name=f"基准儿童{start + i}",
                        name_key=f"基准儿童{start + i}",
                        sex="female",
                        birth_date=dt.date(2015, 1, 1),
                        region=village,
                        hukou_region=village,
                        hukou_type="rural",
                        living_arrangement="with_relatives",
                        no_id_reason="unknown",
                    )
                    for i in range(count)
                ]
            )
            transfers = []
            for i, child in enumerate(children, start=start):
                # One in ten accounts starts with zeros (they must survive in the file).
                number = f"{'00' if i % 10 == 0 else '62'}170000{i:011d}"
                transfers.append(
                    Transfer(
                        cycle=cycle,
                        child=child,
                        reference=f"{COUNTY}{MONTH:%Y%m}{i + 1:06d}",
                        amount=Decimal("1651.00"),
                        holder_name=f"监护人{i}",
                        bank_name="宜宾农村商业银行",
                        account_encrypted=encrypt(number),
                        account_last4=number[-4:],
                        status=Transfer.Status.PENDING,
                    )
                )
            Transfer.objects.bulk_create(transfers)
        cycle.children = size
        cycle.total_amount = Decimal("1651.00") * size
        cycle.save(update_fields=["children", "total_amount"])
    print(f"created a cycle of {size:,} transfers in {time.perf_counter() - started:.1f} s")
    return cycle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-import", action="store_true", help="time the exports only")
    args = parser.parse_args()
    create_database(args.database_url)
    os.environ.update(bench_env(args.database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from hehu.benefits.services.bank import export_bank_file, import_bank_results

    call_command("migrate", "--noinput", verbosity=0)
    actor = officer()
    cycle = cycle_of(args.transfers)
    print(f"machine: {machine()}; load average before: {loadavg()}")
    print(f"cycle {cycle.number}: {args.transfers:,} pending transfers; peak {peak_mb():.0f} MB")
    for run in range(1, args.repeat + 1):
        figures = []
        try:
            with transaction.atomic():
                for layout, file_format in (("generic", "csv"), ("generic", "xlsx")):
                    started = time.perf_counter()
                    exported = export_bank_file(
                        actor=actor, cycle=cycle, layout=layout, file_format=file_format
                    )
                    seconds = time.perf_counter() - started
                    figures.append(
                        f"{file_format} {exported.rows:,} rows {seconds:.2f} s "
                        f"({len(exported.content) / 1e6:.1f} MB, peak {peak_mb():.0f} MB)"
                    )
                if not args.no_import:
                    text = exported_results(cycle)
                    started = time.perf_counter()
                    outcome = import_bank_results(
                        actor=actor, cycle=cycle, filename="bench.csv", content=text,
                        layout="generic",
                    )  # fmt: skip
                    seconds = time.perf_counter() - started
                    figures.append(
                        f"import {outcome.paid + outcome.failed:,} results {seconds:.2f} s "
                        f"(peak {peak_mb():.0f} MB)"
                    )
                raise Rollback
        except Rollback:
            pass
        print(f"run {run}: " + "; ".join(figures))
    print(f"load average after: {loadavg()}")


def exported_results(cycle) -> bytes:  # type: ignore[no-untyped-def]
    """The bank's answer for every transfer: one in fifty failed."""
    rows = ["流水号,金额（元）,结果,失败原因,银行流水号"]
    for i, (reference, amount) in enumerate(
        cycle.transfers.order_by("reference").values_list("reference", "amount")
    ):
        failed = i % 50 == 0
        rows.append(
            f"{reference},{amount:.2f},{'失败' if failed else '成功'},"
            f"{'账户已冻结' if failed else ''},B{i:08d}"
        )
    return ("\n".join(rows) + "\n").encode("utf-8-sig")


if __name__ == "__main__":
    main()
