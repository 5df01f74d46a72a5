"""manage.py sweep_deadlines [--as-of YYYY-MM-DD]: the nightly sweep, on demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from hehu.cases.services.sweep import deadlines_sweep


class Command(BaseCommand):
    help = (
        "Escalate overdue work items, open cases for new category entries and close the "
        "cases of children who turned 18, as of a date (default: today); print the counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: dt.date = options["as_of"] or timezone.localdate()
        result = deadlines_sweep(as_of=as_of)
        levels = ", ".join(f"{level} {n}" for level, n in result.by_level.items()) or "-"
        self.stdout.write(
            f"sweep as of {as_of.isoformat()}: escalated {result.escalated} items "
            f"({result.escalations} steps; reached: {levels}); "
            f"opened {result.opened} cases; closed {result.closed} cases (turned 18)"
        )
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
        self.stdout.write(f"timings: {timings}")
