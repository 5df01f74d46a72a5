"""Register or update children's files from facts documents.

    python manage.py facts_import children.jsonl --as supervisor [--region 511502001001]

FILE (or "-" for standard input) holds JSON Lines or one JSON array; each document is a
bare facts document or an import envelope {"facts": ..., "child": {"name": ...}}. Each is
imported on its own (one refused document does not stop the others) and gets one result
line, in order:

    {"line": 1, "id": "ext-001", "result": "created", "child": 42, "version": 1}
    {"line": 2, "id": "ext-002", "error": {"code": "validation_failed", ...}}

("index", counted from 0, instead of "line" for an array). The exit status is 2 when any
document was refused.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hehu.accounts.models import User
from hehu.core.errors import ApplicationError
from hehu.registry.facts import facts_import
from hehu.registry.management.commands._actor import actor_named

Document = tuple[dict[str, int], Any, str | None]


def read_documents(text: str) -> Iterator[Document]:
    """(position, document, JSON error) for each document of a JSON array or JSON Lines."""
    if text.lstrip().startswith("["):
        try:
            documents = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"文件不是有效的 JSON 数组：{exc}") from None
        for index, doc in enumerate(documents):
            yield {"index": index}, doc, None
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield {"line": number}, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield {"line": number}, None, f"第 {number} 行不是有效的 JSON：{exc.msg}"


def _doc_id(doc: Any) -> Any:
    if isinstance(doc, dict):
        facts = doc.get("facts", doc)
        if isinstance(facts, dict):
            return facts.get("id")
    return None


class Command(BaseCommand):
    help = "从事实文档（JSON Lines 或 JSON 数组）登记或更新儿童档案，每个文档输出一行结果。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='JSON Lines 或 JSON 数组文件；"-" 表示标准输入')
        parser.add_argument("--as", dest="username", required=True, help="以哪个账号导入")
        parser.add_argument("--region", default=None, help="文档未写现居住地时使用的区划代码")
        parser.add_argument(
            "--confirm-not-duplicate",
            action="store_true",
            help="已核对：姓名、出生日期相同的档案不是同一儿童",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = actor_named(options["username"])
        text = self._read(options["file"])
        refused = total = 0
        for position, doc, json_error in read_documents(text):
            total += 1
            result = {**position, "id": _doc_id(doc)}
            if json_error is not None:
                result["error"] = {"code": "invalid_json", "message": json_error}
            else:
                result.update(self._import(actor, doc, options))
            refused += "error" in result
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        if refused:
            raise CommandError(f"{total} 个文档中有 {refused} 个未导入", returncode=2)

    def _read(self, name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        try:
            with open(name, encoding="utf-8") as f:
                return f.read()
        except OSError as exc:
            raise CommandError(f"无法读取 {name}：{exc.strerror}") from None

    def _import(self, actor: User, doc: Any, options: dict[str, Any]) -> dict[str, Any]:
        try:
            child, created = facts_import(
                actor=actor,
                doc=doc,
                region_default=options["region"],
                confirm_not_duplicate=options["confirm_not_duplicate"],
            )
        except ApplicationError as exc:
            return {"error": exc.as_dict()}
        return {
            "result": "created" if created else "updated",
            "child": child.pk,
            "version": child.version,
        }
