"""Payment cycles: one county, one month (DOMAIN.md §5; ADR 0009).

A cycle's roll is a set of lines (a child, a programme, the month it is for, an amount with
its reasons) grouped into one transfer per child (what the bank pays into the child's
account). The cycle goes generated → submitted (the maker checked it) → approved (a second
person, the checker; from here the roll and its inputs are frozen) → exported (the bank file
was written) → reconciled (the bank's results were imported; failures are carried to the
next cycle).

"Never pays twice" is a database constraint: one monthly line per child, programme and
month that is not failed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentCycle(models.Model):
    class Status(models.TextChoices):
        GENERATED = "generated", _("已生成待复核")
        SUBMITTED = "submitted", _("已复核待审批")
        APPROVED = "approved", _("已审批")
        EXPORTED = "exported", _("已导出银行文件")
        RECONCILED = "reconciled", _("已对账")

    county_code = models.CharField(_("县（区）"), max_length=6)
    month = models.DateField(_("发放月份"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.GENERATED
    )
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_reason = models.TextField(_("退回理由"), blank=True)
    # The inputs the roll was computed from (standards used, counts, totals) and a digest of
    # the lines, fixed at approval.
    inputs = models.JSONField(_("生成依据"), default=dict, blank=True)
    lines_digest = models.CharField(max_length=64, blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reconciled_at = models.DateTimeField(_("对账时间"), null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    children = models.PositiveIntegerField(_("人数"), default=0)
    total_amount = models.DecimalField(
        _("应发总额（元）"), max_digits=14, decimal_places=2, default=0
    )
    paid_amount = models.DecimalField(
        _("实发总额（元）"), max_digits=14, decimal_places=2, default=0
    )
    failed_amount = models.DecimalField(
        _("失败金额（元）"), max_digits=14, decimal_places=2, default=0
    )
    held_amount = models.DecimalField(
        _("暂缓发放金额（元）"), max_digits=14, decimal_places=2, default=0
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-month", "county_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "month"], name="cycle_one_per_county_month"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.county_code}-{self.month:%Y%m}"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.GENERATED, self.Status.SUBMITTED)


class Transfer(models.Model):
    """What the bank pays one child in one cycle: the sum of the child's lines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败")
        HELD = "held", _("暂缓发放")

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.CASCADE, related_name="transfers")
    child = models.ForeignKey("registry.Child", on_delete=models.PROTECT, related_name="+")
    # The reference the bank file carries and returns: cycle number and a sequence.
    reference = models.CharField(_("流水号"), max_length=32, unique=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    account = models.ForeignKey(
        "benefits.PayeeAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The account as it was when the roll was generated (frozen with the cycle).
    holder_name = models.CharField(_("户名"), max_length=100, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    account_encrypted = models.TextField(blank=True)
    account_last4 = models.CharField(max_length=4, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices)
    hold_reason = models.CharField(_("暂缓原因"), max_length=200, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    bank_reference = models.CharField(_("银行流水号"), max_length=64, blank=True)
    result_at = models.DateTimeField(_("回盘时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "child"], name="transfer_one_per_child"),
        ]
        indexes = [models.Index(fields=["child", "cycle"], name="transfer_child")]

    def __str__(self) -> str:
        return self.reference


class PaymentLine(models.Model):
    """One amount of a roll: a child, a programme, the month it is for."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("按月发放")
        ONE_OFF = "one_off", _("一次性救助")
        ADJUSTMENT = "adjustment", _("标准调整补差")
        RECOVERY = "recovery", _("扣回多发")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("未发放")
        HELD = "held", _("暂缓发放")

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.CASCADE, related_name="lines")
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    child = models.ForeignKey("registry.Child", on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("项目"), max_length=40)
    service_month = models.DateField(_("所属月份"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    # The programme's standard for the month, before top-up (monthly lines).
    standard_amount = models.DecimalField(
        _("标准（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reasons = models.JSONField(_("依据"), default=list, blank=True)
    grant = models.ForeignKey(
        "benefits.AidGrant", null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    overpayment = models.ForeignKey(
        "benefits.Overpayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recovery_lines",
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices)

    class Meta:
        verbose_name = _("发放项目明细")
        verbose_name_plural = _("发放项目明细")
        ordering = ["child_id", "service_month", "programme"]
        constraints = [
            # Never pay twice: one monthly line per child, programme and month unless it
            # failed (a failed one is carried by a new line in a later cycle).
            models.UniqueConstraint(
                fields=["child", "programme", "service_month"],
                condition=Q(kind="monthly") & ~Q(status="failed"),
                name="line_monthly_once",
            ),
            models.UniqueConstraint(
                fields=["grant"],
                condition=Q(grant__isnull=False) & ~Q(status="failed"),
                name="line_grant_once",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "service_month"], name="line_child_month"),
            models.Index(fields=["cycle", "status"], name="line_cycle_status"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.programme} {self.service_month:%Y-%m} {self.amount}"
