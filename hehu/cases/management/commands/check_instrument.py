"""`hehu check_instrument FILE…`: check assessment instrument files before they are shipped.

Each file is read as Hehu would read it (policies/instruments/README.md): shape, codes,
weights summing to 1, cut-offs covering 0–100 without overlap, red flags naming real items
and options. Prints one line per file with what it defines, or every problem as
`file:line:column: message` (English; `--zh` for Chinese); exit status 2 when any file has
a problem. Without files, checks every file of the instruments directory together.
Reads files only: no database is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hehu.cases.instruments import Instrument, InstrumentErrors, read_instrument_file
from hehu.cases.instruments.load import load_instruments
from hehu.policy.engine.errors import PolicyProblem

INVALID = 2


class Command(BaseCommand):
    help = (
        "Check assessment instrument files (YAML): shape, codes, weights, cut-offs and red "
        "flags. Without files, the whole instruments directory. Exit status 2 on any problem."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="instrument files to check")
        parser.add_argument("--zh", action="store_true", help="messages in Chinese")

    def handle(self, *args: Any, **options: Any) -> None:
        from hehu.cases.services.assessments import instruments_dir

        chinese = bool(options["zh"])
        if not options["files"]:
            directory = instruments_dir()
            try:
                found = load_instruments(directory)
            except InstrumentErrors as errors:
                self._problems(errors.problems, chinese)
                sys.exit(INVALID)
            for instrument in found:
                self.stdout.write(_summary(instrument.file, instrument))
            return
        failed = False
        for name in options["files"]:
            try:
                instrument = read_instrument_file(Path(name))
            except InstrumentErrors as errors:
                failed = True
                self._problems(errors.problems, chinese)
                continue
            except OSError as exc:
                failed = True
                self.stderr.write(f"{name}: cannot be read ({exc.strerror})")
                continue
            self.stdout.write(_summary(name, instrument))
        if failed:
            sys.exit(INVALID)

    def _problems(self, problems: list[PolicyProblem], chinese: bool) -> None:
        for problem in problems:
            message = problem.message_zh if chinese else problem.message_en
            self.stderr.write(f"{problem.where()}: {message}")


def _summary(name: str, instrument: Instrument) -> str:
    return (
        f"{name}: OK — {instrument.ref} ({instrument.kind}), {len(instrument.parts)} parts, "
        f"{len(instrument.items())} items, {len(instrument.red_flags)} red flags, "
        f"in force from {instrument.effective_from.isoformat()}"
    )
