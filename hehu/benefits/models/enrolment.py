"""Who is paid what, from when to when (DOMAIN.md §5).

An Enrolment is a child's entitlement under one category, confirmed by the county: paid
from the month after confirmation until the month after a change (death, turning 18,
adoption, moving out, a parent able to care again). The programme and amount of each month
are not stored here: they follow from the standards of that month and the entitlement rules
(hehu.benefits.standards.entitlements) when a payment cycle is generated.

An AidGrant is one-off aid (education, medical, rehabilitation, temporary assistance),
decided case by case and paid in the cycle of its month.

An Overpayment is money paid for a month the child was no longer entitled to (a change
reported late): recovered from later payments, repaid, or waived with a reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StopReason(models.TextChoices):
    DIED = "died", _("死亡")
    TURNED_18 = "turned_18", _("年满十八周岁")
    ADOPTED = "adopted", _("被依法收养")
    MOVED_OUT = "moved_out", _("户籍迁出本县")
    PARENT_ABLE = "parent_able", _("父母恢复监护抚养能力")
    NO_LONGER_ELIGIBLE = "no_longer_eligible", _("不再符合条件")
    OTHER = "other", _("其他")


class Enrolment(models.Model):
    """A child's entitlement under one category in one county, with its start and stop."""

    class Source(models.TextChoices):
        RECOGNITION = "recognition", _("认定申请批准")
        COUNTY = "county", _("县级民政确认")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="benefit_enrolments"
    )
    category = models.CharField(_("类别"), max_length=40)
    # The paying county (6 digits): a child who moves out is stopped here and enrolled by
    # the new county.
    county_code = models.CharField(_("发放县（区）"), max_length=6)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    recognition = models.ForeignKey(
        "cases.RecognitionApplication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_on = models.DateField(_("确认日期"))
    # First day of the first month paid (the month after confirmation).
    starts_month = models.DateField(_("起始月份"))
    # First day of the first month no longer paid; null while the entitlement runs.
    stops_month = models.DateField(_("停发月份"), null=True, blank=True)
    stop_reason = models.CharField(
        _("停发原因"), max_length=20, choices=StopReason.choices, blank=True
    )
    # When the change happened and when it was recorded: a late record creates
    # overpayments for the months already paid.
    changed_on = models.DateField(_("变更发生日期"), null=True, blank=True)
    change_recorded_on = models.DateField(_("变更登记日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("待遇资格")
        verbose_name_plural = _("待遇资格")
        ordering = ["child_id", "category", "-starts_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "category"],
                condition=Q(stops_month__isnull=True),
                name="enrolment_one_running_per_category",
            ),
            models.CheckConstraint(
                condition=Q(stops_month__isnull=True)
                | Q(stops_month__gte=models.F("starts_month")),
                name="enrolment_stops_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["county_code", "stops_month"], name="enrolment_county_stop"),
            models.Index(fields=["updated_at"], name="enrolment_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id}:{self.category} {self.starts_month:%Y-%m}"

    def runs_in(self, month: dt.date) -> bool:
        return self.starts_month <= month and (self.stops_month is None or month < self.stops_month)


class AidGrant(models.Model):
    """One-off aid decided for a child, paid in the cycle of its month."""

    child = models.ForeignKey("registry.Child", on_delete=models.PROTECT, related_name="aid_grants")
    programme = models.CharField(_("救助项目"), max_length=40)
    county_code = models.CharField(_("发放县（区）"), max_length=6)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    pay_month = models.DateField(_("发放月份"))
    reason = models.TextField(_("救助理由"))
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled = models.BooleanField(_("已撤销"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("临时性救助")
        verbose_name_plural = _("临时性救助")
        ordering = ["-pay_month", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="aid_grant_positive"),
        ]
        indexes = [models.Index(fields=["county_code", "pay_month"], name="aid_county_month")]

    def __str__(self) -> str:
        return f"{self.programme} {self.amount} ({self.pay_month:%Y-%m})"


class Overpayment(models.Model):
    """Money paid for a month the child was not entitled to; to recover."""

    class Status(models.TextChoices):
        OPEN = "open", _("待追回")
        RECOVERED = "recovered", _("已追回")
        WAIVED = "waived", _("已核销")
        CANCELLED = "cancelled", _("已取消")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="overpayments"
    )
    county_code = models.CharField(_("发放县（区）"), max_length=6)
    programme = models.CharField(_("项目"), max_length=40)
    service_month = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("多发金额（元）"), max_digits=10, decimal_places=2)
    recovered_amount = models.DecimalField(
        _("已追回金额（元）"), max_digits=10, decimal_places=2, default=0
    )
    reason = models.TextField(_("原因"))
    line = models.ForeignKey(
        "benefits.PaymentLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="overpayments"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    detected_on = models.DateField(_("发现日期"))
    closed_note = models.TextField(_("处理说明"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("多发待追回")
        verbose_name_plural = _("多发待追回")
        ordering = ["-detected_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="overpayment_positive"),
            models.CheckConstraint(
                condition=Q(recovered_amount__gte=0) & Q(recovered_amount__lte=models.F("amount")),
                name="overpayment_recovered_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["county_code", "status"], name="overpayment_county")]

    def __str__(self) -> str:
        return f"{self.programme} {self.service_month:%Y-%m} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.recovered_amount
