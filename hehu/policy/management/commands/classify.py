"""`hehu classify [--policy ID] [--as-of YYYY-MM-DD] [--benefits] FILE|-`: classify facts
documents.

With `--benefits` each line also has `entitlements`: the monthly cash entitlements for the
month of the as-of date under the benefit standards (policies/benefits/), each with its
programme, amount and reasons. The categories stand in for the county's confirmation (as
if confirmed before that month); a document without `region_code` gets
`entitlements_error` instead.

Reads JSON Lines (one facts document per line) or one JSON array, and writes one JSON line
per document, in input order: its classification, or `{"id", "error"}` when the document
is invalid (the others are still classified). Exit status 2 when any document was invalid
or a policy file is malformed. Reads policy files only: no database is needed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from hehu.policy.engine.errors import PolicyErrors
from hehu.policy.policies import UnknownPolicy, error_line, facts_classify, policy_for

INVALID = 2


class Command(BaseCommand):
    help = (
        "Classify children's facts documents (JSON Lines or a JSON array) with the policy "
        "in effect, writing one JSON line per document. Nothing is stored."
    )
    # Files in, lines out: no system checks and no database.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="facts documents: a file, or - for standard input")
        parser.add_argument(
            "--policy",
            help="policy ID (its latest version) or ID@VERSION; default: each child's "
            "policy in effect for its region_code on the as-of date",
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            type=_date,
            help="the date to classify for, YYYY-MM-DD (default: today in China)",
        )
        parser.add_argument(
            "--benefits",
            action="store_true",
            help="add the monthly entitlements for the month of the as-of date",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("en"):
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        as_of: dt.date = options["as_of"] or timezone.localdate()
        policy_ref: str | None = options["policy"]
        try:
            if policy_ref:
                policy_for(policy_ref, None, as_of)
        except PolicyErrors as exc:
            self._policy_rejected(exc)
        except UnknownPolicy as exc:
            raise CommandError(str(exc.message), returncode=INVALID) from exc
        invalid = 0
        total = 0
        with ExitStack() as stack:
            for doc in _documents(_stream(options["file"], options.get("stdin"), stack)):
                line: dict[str, Any]
                if isinstance(doc, _Error):
                    line = doc
                else:
                    try:
                        line = facts_classify(doc, as_of=as_of, policy_ref=policy_ref)
                    except PolicyErrors as exc:
                        self._policy_rejected(exc)
                    if options["benefits"] and "error" not in line:
                        line.update(_entitlements(doc, line, as_of))
                total += 1
                invalid += "error" in line
                self.stdout.write(json.dumps(line, ensure_ascii=False))
        if invalid:
            raise CommandError(f"{invalid} of {total} documents invalid", returncode=INVALID)

    def _policy_rejected(self, exc: PolicyErrors) -> NoReturn:
        for problem in exc.problems:
            self.stderr.write(f"{problem.where()}: {problem.message_en}")
        raise CommandError("policy rejected; nothing was classified", returncode=INVALID)


def _entitlements(doc: Any, line: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The month's entitlements of a classified document (see the module docstring)."""
    from decimal import Decimal

    from hehu.benefits.catalogue import standards
    from hehu.benefits.standards.entitlements import (
        CONFIRMED_CATEGORIES,
        Received,
        month_entitlements,
    )

    region = doc.get("region_code") if isinstance(doc, dict) else None
    if not region:
        return {"entitlements_error": "region_code is needed to find the standards"}
    month = as_of.replace(day=1)
    assumed = month - dt.timedelta(days=1)
    result = month_entitlements(
        standards=standards(),
        region_code=region,
        month=month,
        categories=[c["code"] for c in line["categories"]],
        living_arrangement=str(doc.get("living_arrangement") or ""),
        receiving=[
            Received(str(r["programme"]), Decimal(str(r["monthly_amount"])))
            for r in doc.get("receiving") or ()
        ],
        confirmed_on={code: assumed for code in CONFIRMED_CATEGORIES},
    )
    return {
        "entitlements": [
            {
                "programme": e.programme,
                "monthly_amount": float(e.monthly_amount),
                "reasons": [{"zh-hans": r.zh, "en": r.en} for r in e.reasons],
            }
            for e in result.paid
        ]
    }


class _Error(dict[str, Any]):
    """An input that is not a document (bad JSON), passed through as its error line."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: not a date (YYYY-MM-DD): {text}") from None


def _stream(name: str, stdin: IO[str] | None, stack: ExitStack) -> IO[str]:
    if name == "-":
        return stdin or sys.stdin
    try:
        return stack.enter_context(Path(name).open(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{name}: {exc.strerror}") from exc


def _documents(stream: IO[str]) -> Iterator[object]:
    """The documents of a JSON array (when the first non-space character is `[`) or of
    JSON Lines (blank lines skipped); an input that does not parse yields an `_Error`."""
    lines = enumerate(stream, start=1)
    for number, line in lines:
        if not line.strip():
            continue
        if line.lstrip().startswith("["):
            try:
                docs = json.loads(line + stream.read())
            except json.JSONDecodeError as exc:
                yield _bad_json(exc, f"line {exc.lineno + number - 1}, ")
                return
            yield from docs
            return
        yield _parse_line(line, number)
        break
    for number, line in lines:
        if line.strip():
            yield _parse_line(line, number)


def _parse_line(line: str, number: int) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return _bad_json(exc, f"line {number}, ")


def _bad_json(exc: json.JSONDecodeError, where: str) -> _Error:
    message = f"not JSON ({where}column {exc.colno}): {exc.msg}"
    return _Error(error_line(None, "invalid_json", message, [{"path": "", "message": message}]))
