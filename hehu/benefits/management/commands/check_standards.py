"""`hehu check_standards [DIRECTORY]`: check the benefit files before they are shipped.

Reads every file of the benefits directory together, as Hehu would (policies/benefits/
README.md): shapes, programmes, categories, formulas, cycles, overlapping periods, and
that a city or county only raises a standard. Prints "OK" with the number of programmes,
or every problem as `file:line:column: message` (Chinese; `--en` for English); exit
status 2 on any problem. Reads files only: no database is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hehu.benefits.catalogue import DEFAULT_DIR, standards_dir
from hehu.benefits.standards import load_standards
from hehu.policy.engine.errors import PolicyErrors

INVALID = 2


class Command(BaseCommand):
    help = (
        "Check the benefit standard files (YAML) of a directory together: programmes, "
        "formulas, periods, regions. Exit status 2 on any problem."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", help="default: policies/benefits/")
        parser.add_argument("--en", action="store_true", help="messages in English")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]) if options["directory"] else standards_dir()
        try:
            found = load_standards(directory, policy_file=DEFAULT_DIR.parent / "cn-national.yaml")
        except PolicyErrors as errors:
            for problem in errors.problems:
                message = problem.message_en if options["en"] else problem.message_zh
                self.stderr.write(f"{problem.where()}: {message}")
            sys.exit(INVALID)
        self.stdout.write(
            f"OK：{len(found.programmes)} 个救助项目，{len(found.files)} 个文件 / "
            f"OK: {len(found.programmes)} programmes in {len(found.files)} files"
        )
