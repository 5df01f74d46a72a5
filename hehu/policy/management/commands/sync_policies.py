"""manage.py sync_policies: store the shipped policy files as approved versions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hehu.core.errors import ApplicationError
from hehu.policy.engine.errors import PolicyErrors
from hehu.policy.services import policies_sync_shipped


class Command(BaseCommand):
    help = "Store each policy file under policies/ as an approved version (never rewriting one)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            added = policies_sync_shipped()
        except (ApplicationError, PolicyErrors) as exc:
            raise CommandError(str(exc)) from exc
        if added:
            self.stdout.write("added: " + ", ".join(added))
        else:
            self.stdout.write("policies up to date")
