"""Load the shipped province/city/county table (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hehu.regions.services import regions_load_national


class Command(BaseCommand):
    help = "载入随系统发布的全国省、市、县三级区划表（可重复执行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = regions_load_national()
        self.stdout.write(
            f"created {report.created}, renamed {report.renamed}, "
            f"reactivated {report.reactivated}, deactivated {report.deactivated}, "
            f"unchanged {report.unchanged}"
        )
