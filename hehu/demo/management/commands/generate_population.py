"""`manage.py generate_population --children 1000000 --seed 1 [--counties 10] [--province 51]`

Writes a synthetic population for benchmarks straight into the database: COPY from
several processes on PostgreSQL, the ORM on SQLite (small sizes only).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hehu.demo.rows import Oversample
from hehu.demo.services import PopulationRefused, population_generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic population (children, households, parents, parent conditions) "
        "for benchmarks, spread equally over N counties of a province (those of --city "
        "first) with synthetic townships and villages. Realistic rates (DOMAIN.md §12) unless "
        "--oversample multiplies the rare categories (orphans, de facto unattended, disabled). "
        "Refuses counties that already hold children."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--counties", type=int, default=10)
        parser.add_argument("--province", default="51")
        parser.add_argument(
            "--city", default=None, help="4-digit city whose counties come first (51: 5115)"
        )
        parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
        parser.add_argument("--chunk-size", type=int, default=20_000)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--oversample", type=float, default=1.0)
        parser.add_argument(
            "--rebuild-indexes",
            choices=["auto", "yes", "no"],
            default="auto",
            help="drop and rebuild indexes around the load (auto: from 100,000 children)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        province = options["province"]
        city = options["city"]
        if city is None:
            city = "5115" if province == "51" else ""
        factor = options["oversample"]
        rebuild = {"auto": None, "yes": True, "no": False}[options["rebuild_indexes"]]
        if options["children"] < 1 or options["counties"] < 1:
            raise CommandError("--children and --counties must be positive")
        try:
            report = population_generate(
                children=options["children"],
                seed=options["seed"],
                counties=options["counties"],
                province=province,
                city=city,
                workers=options["workers"],
                chunk_size=options["chunk_size"],
                as_of=options["as_of"],
                oversample=Oversample(orphan=factor, de_facto=factor, disabled=factor),
                rebuild_indexes=rebuild,
                progress=lambda message: self.stderr.write(message),
            )
        except PopulationRefused as exc:
            raise CommandError(str(exc)) from exc
        counts = report.counts
        rows = report.rows
        self.stdout.write(
            f"counties: {' '.join(report.counties)}; demo regions created: "
            f"{report.regions_created}; workers: {report.workers}"
        )
        for name, n in counts.items():
            self.stdout.write(f"  {name:<11} {n:>10,}")
        self.stdout.write(f"  {'without ID':<11} {report.without_id:>10,}")
        self.stdout.write(
            f"generate+write {report.seconds_generate:.1f} s, indexes "
            f"{report.seconds_indexes:.1f} s, total {report.seconds_total:.1f} s; "
            f"{rows:,} rows, {rows / report.seconds_total:,.0f} rows/s, "
            f"{counts['children'] / report.seconds_total:,.0f} children/s"
        )
