"""`hehu check_policy FILE…`: check policy files before they are proposed.

Each file is loaded as Hehu would run it — parsed, type-checked, an override merged into
its base from `policies/` — and compiled for populations. Prints one line per file with
what it defines, or every problem as `file:line:column: message`; exit status 2 when any
file has a problem. Reads files only: no database is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hehu.policy.engine.columnar import compile_policy
from hehu.policy.engine.errors import PolicyErrors
from hehu.policy.engine.load import PolicyNotFound, load_policy_text
from hehu.policy.engine.model import NATIONAL, Policy
from hehu.policy.policies import shipped_policies

INVALID = 2


class Command(BaseCommand):
    help = (
        "Check policy files (YAML): syntax, names, types, cycles, overrides against their "
        "base in policies/, and compilation for population runs. Exit status 2 on any problem."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="policy files to check")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for name in options["files"]:
            path = Path(name)
            try:
                policy = _checked(path)
            except PolicyErrors as errors:
                failed = True
                for problem in errors.problems:
                    self.stderr.write(f"{problem.where()}: {problem.message_en}")
                continue
            except OSError as exc:
                failed = True
                self.stderr.write(f"{name}: cannot be read ({exc.strerror})")
                continue
            self.stdout.write(
                f"{name}: OK — {policy.ref}, {len(policy.categories)} categories, "
                f"{len(policy.parameters)} parameters, {len(policy.predicates)} predicates, "
                f"{len(policy.need_signals)} need signals"
            )
        if failed:
            sys.exit(INVALID)


def _checked(path: Path) -> Policy:
    """The file loaded (an override against its shipped base) and compiled, or PolicyErrors."""
    text = path.read_text(encoding="utf-8")
    policy = load_policy_text(text, file=str(path), base=_base_for(text))
    compile_policy(policy)
    return policy


def _base_for(text: str) -> Policy | None:
    """The shipped base an override names in its `extends:` line, if any."""
    for line in text.splitlines():
        key, _sep, value = line.partition(":")
        if key.strip() == "extends" and value.strip() not in ("", "null", "~"):
            policy_id, _at, version = value.strip().strip("\"'").partition("@")
            try:
                base = shipped_policies().get(policy_id, version or None)
            except PolicyNotFound:
                return None  # the loader reports the unknown base with its position
            return base if base is not None and base.jurisdiction == NATIONAL else None
    return None
