"""A case: one child's casework from intake to closure (DOMAIN.md §6, DB36/T 1855-2023)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hehu.accounts.models import Department


class CloseReason(models.TextChoices):
    PLAN_COMPLETE = "plan_complete", _("服务计划完成")
    TURNED_18 = "turned_18", _("年满十八周岁")
    MOVED_OUT = "moved_out", _("迁出本辖区")
    ADOPTED = "adopted", _("被收养")
    DIED = "died", _("死亡")
    NO_LONGER_NEEDED = "no_longer_needed", _("已无需帮扶")
    OTHER = "other", _("其他")


class Case(models.Model):
    """One child's case. At most one is open per child; it belongs to the child's village."""

    class Status(models.TextChoices):
        INTAKE = "intake", _("接案")
        ASSESSMENT = "assessment", _("评估")
        PLANNING = "planning", _("制定计划")
        IN_SERVICE = "in_service", _("服务实施")
        FOLLOW_UP = "follow_up", _("跟进回访")
        EVALUATION = "evaluation", _("成效评估")
        CLOSED = "closed", _("结案")

    class Source(models.TextChoices):
        CATEGORY = "category", _("认定类别纳入")
        REFERRAL = "referral", _("转介")
        MANUAL = "manual", _("手动开案")

    class Risk(models.TextChoices):
        HIGH = "high", _("高风险")
        NORMAL = "normal", _("一般")

    child = models.ForeignKey("registry.Child", on_delete=models.PROTECT, related_name="cases")
    # The village that owns the case; region_code is its 12-digit code, copied so that a
    # jurisdiction is a range scan on one indexed column (ADR 0002).
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("区划代码"), max_length=12)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.INTAKE
    )
    emergency = models.BooleanField(_("紧急"), default=False)
    risk = models.CharField(_("风险"), max_length=8, choices=Risk.choices, default=Risk.NORMAL)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    source_category = models.CharField(_("纳入类别"), max_length=40, blank=True)
    referred_by_department = models.CharField(
        _("转介部门"), max_length=32, choices=Department.choices, blank=True
    )
    reason = models.TextField(_("开案理由"), blank=True)
    opened_at = models.DateTimeField(_("开案时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("开案人"),
    )
    # The child director responsible day to day (usually the village's director).
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任人"),
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    close_reason = models.CharField(
        _("结案原因"), max_length=20, choices=CloseReason.choices, blank=True
    )
    close_note = models.TextField(_("结案说明"), blank=True)
    reopened_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("个案")
        verbose_name_plural = _("个案")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One open case per child: a partial unique index, on SQLite and PostgreSQL.
            models.UniqueConstraint(
                fields=["child"],
                condition=~Q(status="closed"),
                name="case_one_open_per_child",
            ),
        ]
        indexes = [
            models.Index(fields=["region_code", "status"], name="case_region_status"),
        ]

    def __str__(self) -> str:
        return f"C{self.pk:06d}" if self.pk else "C(new)"

    @property
    def number(self) -> str:
        return str(self)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class CaseTransition(models.Model):
    """One step of a case's flow: who moved it, when, from where to where, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("个案流转")
        verbose_name_plural = _("个案流转")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.from_status}→{self.to_status}"


class CaseNote(models.Model):
    """A case record (个案记录): seen only by roles that work the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("个案记录")
        verbose_name_plural = _("个案记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} note {self.pk}"


class CaseReferral(models.Model):
    """A case referred to a contracted social organisation: its social workers may see it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("服务中")
        ENDED = "ended", _("已结束")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="case_referrals"
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(_("转介时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("个案转介")
        verbose_name_plural = _("个案转介")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=Q(status="active"),
                name="case_referral_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.organisation_id}"
