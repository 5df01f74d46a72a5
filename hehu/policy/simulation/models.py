"""A simulation of a draft policy over the registry, and the children it would move.

The summary is kept as JSON, one entry per level (the length of the region code prefix:
0 national, 2 province, 4 city, 6 county, 9 township, 12 village), per region prefix, per
category: [current, draft, entered, left], with `_n` the number of children simulated in
that region. Pages read it for the viewer's jurisdiction only; the village level can be
large, so pages show one township's villages at a time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

LEVELS = (0, 2, 4, 6, 9, 12)


class Simulation(models.Model):
    """A draft policy run over every active child of a scope as of a date, beside the
    policies in force (or a named baseline version); nothing of the registry changes."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    draft = models.ForeignKey(
        "policy.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("政策草案"),
    )
    # Null: each child under the policy in force for its province (override or national).
    baseline = models.ForeignKey(
        "policy.PolicyVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("对照政策"),
    )
    as_of = models.DateField(_("认定日期"))
    scope = models.CharField(_("范围（区划代码前缀）"), max_length=12, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    children = models.PositiveIntegerField(_("儿童人数"), default=0)
    # [{"code", "zh", "en"}]: the categories of both policies, the draft's first.
    categories = models.JSONField(_("类别"), default=list, blank=True)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)
    # The cost effect (benefits): monthly cost under the baseline and the draft, who gains
    # and who loses, by programme and county (hehu.benefits.roll.cost).
    cost = models.JSONField(_("资金影响"), default=dict, blank=True)
    timings = models.JSONField(_("耗时（秒）"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("政策模拟")
        verbose_name_plural = _("政策模拟")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"simulation {self.pk} {self.scope or 'national'} {self.as_of}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SimulationChange(models.Model):
    """A child who would enter or leave a category under the draft."""

    class Direction(models.TextChoices):
        ENTERED = "entered", _("将纳入")
        LEFT = "left", _("将退出")

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="changes")
    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("类别"), max_length=40)
    direction = models.CharField(_("变化"), max_length=8, choices=Direction.choices)
    # The child's region when simulated: scoping the list is a range scan of this index.
    region_code = models.CharField(_("区划代码"), max_length=12)

    class Meta:
        verbose_name = _("模拟变化")
        verbose_name_plural = _("模拟变化")
        ordering = ["region_code", "child_id", "category"]
        indexes = [
            models.Index(fields=["simulation", "region_code"], name="simulation_change_region"),
        ]

    def __str__(self) -> str:
        return f"child {self.child_id} {self.direction} {self.category}"
