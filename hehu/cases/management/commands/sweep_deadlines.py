"""manage.py sweep_deadlines [--as-of YYYY-MM-DD]: the nightly sweep, on demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from hehu.cases.services.sweep import cases_open_for_current_categories, deadlines_sweep


class Command(BaseCommand):
    help = (
        "Escalate overdue work items, open cases for new category entries and close the "
        "cases of children who turned 18, as of a date (default: today); print the counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument(
            "--open-current",
            action="store_true",
            help="first deployment only: before sweeping, open a case for every child now "
            "in a case-opening category who has none (the nightly sweep looks only at "
            "recent entries)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: dt.date = options["as_of"] or timezone.localdate()
        if options["open_current"]:
            opened = cases_open_for_current_categories(as_of=as_of)
            self.stdout.write(f"opened {opened} cases for children now in case-opening categories")
        result = deadlines_sweep(as_of=as_of)
        levels = ", ".join(f"{level} {n}" for level, n in result.by_level.items()) or "-"
        self.stdout.write(
            f"sweep as of {as_of.isoformat()}: escalated {result.escalated} items "
            f"({result.escalations} steps; reached: {levels}); "
            f"opened {result.opened} cases; closed {result.closed} cases (turned 18)"
        )
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
        self.stdout.write(f"timings: {timings}")
