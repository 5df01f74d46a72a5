"""Print children's facts documents (DOMAIN.md §11), one JSON document per line.

    python manage.py facts_export --child 42 --as supervisor

Each export is checked against the acting account's jurisdiction and permissions and is
recorded in the audit log, exactly as through the API.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from hehu.core.errors import ApplicationError
from hehu.registry.access import access_child_by_id
from hehu.registry.facts import child_export_facts
from hehu.registry.management.commands._actor import actor_named


class Command(BaseCommand):
    help = "导出儿童的事实文档（JSON，每个文档一行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--child", type=int, action="append", required=True, help="档案编号，可重复"
        )
        parser.add_argument("--as", dest="username", required=True, help="以哪个账号导出")
        parser.add_argument("--indent", type=int, default=None, help="缩进（便于阅读）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_named(options["username"])
        for child_id in options["child"]:
            try:
                child = access_child_by_id(actor, child_id)
                facts = child_export_facts(actor=actor, child=child)
            except Http404:
                raise CommandError(
                    f"没有找到档案 {child_id}，或它不在账号 {actor.username} 的管辖范围内"
                ) from None
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from None
            self.stdout.write(json.dumps(facts, ensure_ascii=False, indent=options["indent"]))
