"""`hehu check_bank_layouts [DIRECTORY]`: check the bank layouts before they are shipped.

Reads every layout of the directory (default policies/benefits/bank-layouts/, or the
HEHU_BANK_LAYOUT_DIR setting) as Hehu would: fields, formats, encodings, the result file's
columns and values, codes unique. Prints "OK" with the layouts' codes, or every problem as
`file:line:column: message` (Chinese; `--en` for English); exit status 2 on any problem.
Reads files only: no database is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hehu.benefits.bankfiles import load_layouts
from hehu.benefits.services.bank.common import bank_layouts_dir
from hehu.policy.engine.errors import PolicyErrors

INVALID = 2


class Command(BaseCommand):
    help = (
        "Check the bank layouts (YAML) of a directory: fields, formats, encodings, result "
        "columns and values. Exit status 2 on any problem."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", help="default: policies/benefits/bank-layouts/")
        parser.add_argument("--en", action="store_true", help="messages in English")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]) if options["directory"] else bank_layouts_dir()
        try:
            layouts = load_layouts(directory)
        except PolicyErrors as errors:
            for problem in errors.problems:
                message = problem.message_en if options["en"] else problem.message_zh
                self.stderr.write(f"{problem.where()}: {message}")
            sys.exit(INVALID)
        codes = ", ".join(sorted(layouts))
        self.stdout.write(
            f"OK：{len(layouts)} 种银行文件格式（{codes}） / "
            f"OK: {len(layouts)} bank layouts ({codes})"
        )
