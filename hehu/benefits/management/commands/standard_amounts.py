"""`hehu standard_amounts --region 511502 --month 2026-03`: a region's standards for a month.

One line per programme: code, Chinese label, amount in yuan (按个案 / by case when decided
per case) and the explanation (which file and line, which region's value, which formula).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hehu.benefits.catalogue import standards
from hehu.benefits.standards import NoStandard
from hehu.policy.engine.errors import PolicyErrors

INVALID = 2


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError as exc:
        raise CommandError(f"月份应写作 YYYY-MM / the month must be YYYY-MM: {text}") from exc


class Command(BaseCommand):
    help = "Print a region's benefit standards for a month, with where each comes from."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="a region code or prefix, e.g. 511502")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--en", action="store_true", help="explanations in English")

    def handle(self, *args: Any, **options: Any) -> None:
        region, month = options["region"], _month(options["month"])
        if not region.isdigit():
            raise CommandError(f"地区应是数字代码 / the region must be a numeric code: {region}")
        try:
            loaded = standards()
        except PolicyErrors as errors:
            self.stderr.write(str(errors))
            sys.exit(INVALID)
        self.stdout.write(f"{region} {month:%Y-%m}")
        for code, programme in loaded.programmes.items():
            try:
                standard = loaded.standard(code, region, month)
            except NoStandard:
                self.stdout.write(f"{code}\t{programme.label.zh}\t无标准 / no standard")
                continue
            amount = "按个案 / by case" if standard.amount is None else f"{standard.amount}"
            why = standard.explanation()
            self.stdout.write(
                f"{code}\t{programme.label.zh}\t{amount}\t{why.en if options['en'] else why.zh}"
            )
