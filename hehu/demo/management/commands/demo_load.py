"""`manage.py demo_load [--if-empty] [--children 5000] [--seed 1]` — the Yibin demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hehu.demo.rows import DEMO_OVERSAMPLE
from hehu.demo.services import DEMO_CHILDREN, DEMO_PASSWORD, demo_accounts, demo_load


class Command(BaseCommand):
    help = (
        "Load the Yibin demo (DEMO ONLY): the national province/city/county table, synthetic "
        "townships and villages of Yibin's ten counties, one account per role (password "
        f"{DEMO_PASSWORD}), and synthetic children with households, parents and dated parent "
        "conditions with evidence. Rare categories are over-sampled so a county officer sees "
        f"some: orphans x{DEMO_OVERSAMPLE.orphan:g}, de facto unattended children "
        f"x{DEMO_OVERSAMPLE.de_facto:g} and disabled children x{DEMO_OVERSAMPLE.disabled:g} "
        "their realistic rates (about 0.05%, 0.13% and 0.5% of children, DOMAIN.md §12); "
        "everything else (left-behind, dibao, parents' conditions, no ID number) is realistic. "
        "Deterministic for a seed and a date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if any child is registered"
        )
        parser.add_argument("--children", type=int, default=DEMO_CHILDREN)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="reference date for ages and conditions (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_load(
            children=options["children"],
            seed=options["seed"],
            if_empty=options["if_empty"],
            as_of=options["as_of"],
        )
        if report.skipped:
            self.stdout.write("Demo data already present (children exist): nothing loaded.")
        else:
            counts = report.counts
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded in {report.seconds:.1f} s: {counts['children']} children "
                    f"({report.without_id} without an ID number) in {counts['households']} "
                    f"households, {counts['parents']} parents with {counts['conditions']} "
                    f"dated conditions, {counts['members']} other household members, "
                    f"{counts['concerns']} protection concerns, {counts['receiving']} benefits "
                    f"received; {report.regions_created} demo townships/villages created."
                )
            )
            by_category = ", ".join(f"{code} {n}" for code, n in report.categories.items())
            self.stdout.write(f"Classified under the policy in force: {by_category}.")
            casework = ", ".join(f"{name} {n}" for name, n in report.casework.items())
            self.stdout.write(f"Demo casework (DEMO ONLY): {casework}.")
            protection = ", ".join(f"{name} {n}" for name, n in report.protection.items())
            self.stdout.write(f"Demo protection (DEMO ONLY): {protection}.")
            benefits = ", ".join(f"{name} {n}" for name, n in report.benefits.items())
            self.stdout.write(f"Demo benefits (DEMO ONLY): {benefits}.")
            supply = ", ".join(f"{name} {n}" for name, n in report.supply.items())
            self.stdout.write(f"Demo in-kind supply (DEMO ONLY): {supply}.")
        self.stdout.write(f"Demo accounts (DEMO ONLY), password {DEMO_PASSWORD}:")
        for username, role, jurisdiction in demo_accounts():
            self.stdout.write(f"  {username:<17} {role:<12} {jurisdiction}")
