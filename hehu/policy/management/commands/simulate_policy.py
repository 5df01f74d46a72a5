"""`manage.py simulate_policy --draft ID@VERSION [--as-of DATE] [--scope PREFIX]`.

Runs a draft policy over the registry beside the policies in force (or `--baseline
ID@VERSION`), now, in this process, and prints per category: current → draft, entered,
left, then the timings. The simulation is stored like one started from the web page.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hehu.core.errors import ApplicationError
from hehu.policy.models import PolicyVersion
from hehu.policy.selectors import policy_version_by_ref
from hehu.policy.simulation.services import simulation_create, simulation_run


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from exc


def _version(ref: str) -> PolicyVersion:
    version = policy_version_by_ref(ref)
    if version is None:
        raise CommandError(f"no stored policy version {ref} (expected ID@VERSION)")
    return version


class Command(BaseCommand):
    help = "Simulate a draft policy version over the registry against the policies in force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--draft", required=True, help="the draft: ID@VERSION")
        parser.add_argument("--as-of", dest="as_of", type=_date, help="YYYY-MM-DD (today)")
        parser.add_argument("--scope", default="", help="region code prefix ('' = national)")
        parser.add_argument("--baseline", help="compare with this version (ID@VERSION)")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: object, **options: object) -> None:
        draft = _version(str(options["draft"]))
        baseline = _version(str(options["baseline"])) if options.get("baseline") else None
        given = options.get("as_of")
        as_of = given if isinstance(given, dt.date) else timezone.localdate()
        try:
            simulation = simulation_create(
                actor=None,
                draft=draft,
                as_of=as_of,
                scope=str(options.get("scope") or ""),
                baseline=baseline,
            )
            simulation = simulation_run(simulation=simulation)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        top = simulation.summary["levels"][str(len(simulation.scope))].get(simulation.scope, {})
        if options.get("json"):
            self.stdout.write(json.dumps({"simulation": simulation.pk, "total": top}))
            return
        self.stdout.write(
            f"simulation {simulation.pk}: {draft.ref} vs "
            f"{', '.join(simulation.summary['baseline'])}, scope {simulation.scope or 'national'}"
            f", as of {as_of.isoformat()}, {simulation.children} children"
        )
        self.stdout.write(
            f"{'category':<24}{'current':>10}{'draft':>10}{'entered':>10}{'left':>10}"
        )
        for category in simulation.categories:
            current, drafted, entered, left = top.get(category["code"], [0, 0, 0, 0])
            self.stdout.write(
                f"{category['code']:<24}{current:>10}{drafted:>10}{entered:>10}{left:>10}"
            )
        timings = ", ".join(f"{k} {v:.3f}s" for k, v in simulation.timings.items())
        self.stdout.write(f"timings: {timings}")
