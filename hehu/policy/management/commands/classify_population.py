"""manage.py classify_population [--as-of DATE] [--scope PREFIX] [--policy ID@VERSION]"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hehu.policy.selectors import policy_version_by_ref
from hehu.policy.services import population_run, population_run_create


class Command(BaseCommand):
    help = "Classify every active child of a scope as of a date, and print counts and timings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--scope", default="", help="region code prefix (default: all)")
        parser.add_argument("--policy", default="", help="ID@VERSION (default: policy in force)")

    def handle(self, *args: Any, **options: Any) -> None:
        scope: str = options["scope"]
        if not scope.isdigit() and scope:
            raise CommandError("--scope must be a region code prefix (digits)")
        version = None
        if options["policy"]:
            version = policy_version_by_ref(options["policy"])
            if version is None:
                raise CommandError(f"unknown policy version {options['policy']}")
        as_of: dt.date = options["as_of"] or timezone.localdate()
        run = population_run_create(actor=None, as_of=as_of, scope=scope, policy_version=version)
        steps: dict[str, float] = {}
        try:
            population_run(run=run, steps=steps)
        except Exception as exc:
            raise CommandError(f"run {run.pk} failed: {exc}") from exc
        self.stdout.write(
            f"run {run.pk}: {run.children} children as of {as_of.isoformat()}"
            f" in {scope or 'all regions'}; entered {run.entered}, exited {run.exited}"
        )
        for code, count in run.counts.items():
            self.stdout.write(f"  {code:<24} {count}")
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in run.timings.items())
        self.stdout.write(f"timings: {timings}")
        detail = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items())
        self.stdout.write(f"steps: {detail}")
