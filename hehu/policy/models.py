"""Stored policy versions, each child's current classification, category entries and exits,
and population runs.

The policy text itself (YAML) is kept with its sha256 so that what was approved is what
runs: an approved version's source never changes — a change is a new version.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hehu.core.errors import ApplicationError


def source_sha256(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


class ApprovedPolicyImmutable(ApplicationError):
    """Someone tried to change the text of an approved policy version."""

    code = "policy_approved_immutable"
    status = 409


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEWED = "reviewed", _("已审核")
        APPROVED = "approved", _("已批准")
        RETIRED = "retired", _("已停用")

    policy_id = models.CharField(_("政策编号"), max_length=64)
    version = models.CharField(_("版本"), max_length=32)
    jurisdiction = models.CharField(_("适用范围"), max_length=16)  # "national" or "51"
    extends = models.CharField(_("基础政策"), max_length=100, blank=True)
    title_zh = models.CharField(_("中文标题"), max_length=200)
    title_en = models.CharField(_("英文标题"), max_length=200, blank=True)
    source = models.TextField(_("政策文本"))
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    shipped = models.BooleanField(_("随系统发布"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")
        ordering = ["policy_id", "effective_from", "version"]
        constraints = [
            models.UniqueConstraint(fields=["policy_id", "version"], name="policy_version_unique")
        ]

    def __str__(self) -> str:
        return self.ref

    def save(self, *args: Any, **kwargs: Any) -> None:
        # What was approved is what runs: an approved text is never rewritten in place.
        self.sha256 = source_sha256(self.source)
        if self.pk is not None:
            stored = PolicyVersion.objects.filter(pk=self.pk).values("status", "sha256").first()
            if (
                stored is not None
                and stored["status"] in (self.Status.APPROVED, self.Status.RETIRED)
                and stored["sha256"] != self.sha256
            ):
                raise ApprovedPolicyImmutable(
                    _("已批准的政策版本 %(ref)s 不能修改，请新建版本") % {"ref": self.ref}
                )
        super().save(*args, **kwargs)

    @property
    def ref(self) -> str:
        return f"{self.policy_id}@{self.version}"


class PopulationRun(models.Model):
    """One classification of every child in a scope, as of a date (a background job)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    # Null: each child under the policy in effect for its region (national or provincial).
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    counts = models.JSONField(_("各类别人数"), default=dict, blank=True)
    entered = models.PositiveIntegerField(_("新纳入"), default=0)
    exited = models.PositiveIntegerField(_("退出"), default=0)
    timings = models.JSONField(_("耗时（秒）"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("全员认定")
        verbose_name_plural = _("全员认定")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.scope or 'national'} {self.as_of}"


class ChildClassification(models.Model):
    """A child's current categories under the policy in effect: one row per child."""

    class Source(models.TextChoices):
        CHILD_CHANGE = "child_change", _("档案变更")
        POPULATION = "population", _("全员认定")
        MANUAL = "manual", _("手动认定")

    # No foreign-key constraint in the database (db_constraint=False): this table is
    # derived — a population run regenerates it from the registry — and children are
    # never deleted (a merge keeps both files, the duplicate marked merged); Django still
    # cascades a deletion at the ORM level. The database check would take a FOR KEY SHARE
    # row lock on the referenced child for every row written, i.e. write to every child
    # row: 11 s per million rows at commit on a first population run. The primary key
    # (unique child_id) stays.
    child = models.OneToOneField(
        "registry.Child",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="classification",
    )
    # No constraint and no index in the database either, for the same reason: the check
    # costs 6 s per million rows written at commit, the index 1.3 s. Versions are never
    # deleted (an approved text is retired, not removed; Django's PROTECT still refuses
    # at the ORM level) and nothing looks classifications up by version.
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    as_of = models.DateField(_("认定日期"))
    computed_at = models.DateTimeField(_("计算时间"))
    categories = models.JSONField(_("类别"), default=list, blank=True)
    # Per category: bit i set when clause i held (the population engine's compact trace).
    masks = models.JSONField(default=dict, blank=True)
    umbrellas = models.JSONField(_("困境类型"), default=list, blank=True)
    signals = models.JSONField(_("需求信号"), default=list, blank=True)
    # Indexed partially (classification_gap_child): only the gaps, ≈6% of the rows.
    coverage_gap = models.BooleanField(_("有需求未纳入"), default=False)
    # The full explanation of a one-child run; null after a population run (shown by
    # re-running the one-child evaluator on display).
    reasons = models.JSONField(null=True, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)

    class Meta:
        verbose_name = _("儿童认定结果")
        verbose_name_plural = _("儿童认定结果")
        indexes = [
            # The gaps list and count: the gap rows' children, without an entry per
            # non-gap row to maintain on every write (a full boolean index costs 1.3 s
            # per million rows written and selects nothing the partial one does not).
            models.Index(
                fields=["child"],
                condition=models.Q(coverage_gap=True),
                name="classification_gap_child",
            ),
        ]

    def __str__(self) -> str:
        return f"child {self.child_id}: {', '.join(self.categories) or '-'}"


class CategoryEvent(models.Model):
    """A child entered or left a category on a date: what cases and benefits act on."""

    class Kind(models.TextChoices):
        ENTERED = "entered", _("纳入")
        EXITED = "exited", _("退出")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.CASCADE, related_name="category_events"
    )
    category = models.CharField(_("类别"), max_length=40)
    kind = models.CharField(_("变化"), max_length=8, choices=Kind.choices)
    on = models.DateField(_("日期"))
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(
        PopulationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("类别变化")
        verbose_name_plural = _("类别变化")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["category", "on"], name="category_event_category_on"),
        ]

    def __str__(self) -> str:
        return f"child {self.child_id} {self.kind} {self.category} on {self.on}"


from hehu.policy.simulation.models import Simulation, SimulationChange  # noqa: E402,F401
