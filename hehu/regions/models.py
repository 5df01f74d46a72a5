"""Administrative regions of the six-level hierarchy (the national level has no code)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hehu.regions.codes import PREFIX_LENGTHS


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡镇（街道）")
        VILLAGE = "village", _("村（社区）")

    class UrbanRural(models.TextChoices):
        MAIN_URBAN = "111", _("主城区")
        FRINGE = "112", _("城乡结合区")
        TOWN_CENTRE = "121", _("镇中心区")
        TOWN_FRINGE = "122", _("镇乡结合区")
        SPECIAL = "123", _("特殊区域")
        TOWNSHIP_CENTRE = "210", _("乡中心区")
        VILLAGE = "220", _("村庄")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    urban_rural = models.CharField(
        _("城乡分类"), max_length=3, choices=UrbanRural.choices, blank=True
    )
    source_year = models.PositiveSmallIntegerField(_("数据年份"))
    is_demo = models.BooleanField(_("演示数据"), default=False)
    active = models.BooleanField(_("现行"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTHS[self.level]]

    @property
    def is_rural(self) -> bool:
        return self.urban_rural.startswith("2") if self.urban_rural else False


class RegionChange(models.Model):
    """One field of a region that a newer table changed (codes change yearly, DOMAIN.md §2).

    Keyed by the code as text, not a foreign key, so history outlives an abolished region.
    """

    class Field(models.TextChoices):
        NAME = "name", _("名称")
        URBAN_RURAL = "urban_rural", _("城乡分类")
        ACTIVE = "active", _("现行")

    code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    field = models.CharField(_("字段"), max_length=20, choices=Field.choices)
    old = models.CharField(_("原值"), max_length=100, blank=True)
    new = models.CharField(_("新值"), max_length=100, blank=True)
    source_year = models.PositiveSmallIntegerField(_("数据年份"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["code", "at", "id"]
        verbose_name = _("区划变更")
        verbose_name_plural = _("区划变更")

    def __str__(self) -> str:
        return f"{self.code} {self.field}: {self.old} → {self.new} ({self.source_year})"
