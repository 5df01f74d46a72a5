"""Create the synthetic Yibin townships and villages (demo data, labelled as such)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hehu.regions.demo import demo_regions_create


class Command(BaseCommand):
    help = "创建宜宾演示用的乡镇和村（社区）区划（演示数据）。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"created {demo_regions_create()} demo regions")
