"""Import an official township/village table: `import_regions FILE --year 2023`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hehu.regions.errors import RegionTableInvalid
from hehu.regions.services import regions_import


class Command(BaseCommand):
    help = "导入乡镇（街道）和村（社区）区划表（CSV）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True, help="source year of the table")
        parser.add_argument(
            "--show", type=int, default=50, help="how many rejected rows to print (default 50)"
        )

    def handle(self, *args: Any, file: Path, year: int, show: int, **options: Any) -> None:
        try:
            report = regions_import(actor=None, file=file, source_year=year)
        except RegionTableInvalid as exc:
            raise CommandError(str(exc.message)) from exc
        for problem in report.rejected[:show]:
            self.stderr.write(f"line {problem.line} {problem.code}: {problem.reason}")
        for problem in report.warnings[:show]:
            self.stdout.write(f"warning line {problem.line} {problem.code}: {problem.reason}")
        self.stdout.write(
            f"{report.rows} rows ({report.encoding}): created {report.created}, "
            f"updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {len(report.rejected)}, warnings {len(report.warnings)}"
        )
