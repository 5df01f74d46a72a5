"""Service plans: goals per need, items of three kinds — cash, in-kind, service."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hehu.accounts.models import Department


class ServicePlan(models.Model):
    """A plan of one case: drafted, reviewed by the township, approved (level is a parameter)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        REVIEWED = "reviewed", _("待审批")
        APPROVED = "approved", _("已批准")
        RETURNED = "returned", _("已退回")
        SUPERSEDED = "superseded", _("已被替代")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveSmallIntegerField(_("计划序号"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    summary = models.TextField(_("计划概述"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    # An approved plan is reviewed again by this date (procedure parameter).
    review_on = models.DateField(_("复核日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("服务计划")
        verbose_name_plural = _("服务计划")
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="plan_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.case} plan {self.number}"


class PlanGoal(models.Model):
    """What the plan aims at for one assessed need (a needs-assessment domain)."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="goals")
    need = models.CharField(_("需求领域"), max_length=40)
    description = models.TextField(_("目标"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("计划目标")
        verbose_name_plural = _("计划目标")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.plan} goal {self.need}"


class PlanItem(models.Model):
    """One support: cash (a benefit programme), in-kind supply or a service."""

    class Kind(models.TextChoices):
        CASH = "cash", _("资金")
        IN_KIND = "in_kind", _("实物")
        SERVICE = "service", _("服务")

    class Frequency(models.TextChoices):
        ONCE = "once", _("一次")
        WEEKLY = "weekly", _("每周")
        FORTNIGHTLY = "fortnightly", _("每两周")
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")
        YEARLY = "yearly", _("每年")

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="items")
    goal = models.ForeignKey(
        PlanGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    # A benefit programme code (cash), a supply (in-kind) or a service type, e.g.
    # "orphan_allowance", "rehabilitation_aid", "counselling".
    support = models.CharField(_("支持项目"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    provider_department = models.CharField(
        _("提供部门"), max_length=32, choices=Department.choices, blank=True
    )
    provider_organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提供机构"),
    )
    quantity = models.DecimalField(
        _("数量"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    frequency = models.CharField(_("频次"), max_length=12, choices=Frequency.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    responsible_name = models.CharField(_("责任人姓名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("计划事项")
        verbose_name_plural = _("计划事项")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.kind}:{self.support}"
