"""Open the first national administrator at installation; they open every other account."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hehu.accounts.services import admin_bootstrap
from hehu.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Create a national administrator (password from HEHU_ADMIN_PASSWORD or a prompt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("HEHU_ADMIN_PASSWORD") or getpass.getpass("Password: ")
        try:
            user = admin_bootstrap(
                username=options["username"], full_name=options["full_name"], password=password
            )
        except ValidationFailed as exc:
            problems = "\n".join(str(m) for ms in exc.errors.values() for m in ms)
            raise CommandError(problems) from exc
        self.stdout.write(f"Created national administrator {user.username} (id {user.pk}).")
