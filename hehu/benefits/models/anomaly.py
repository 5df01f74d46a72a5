"""Supervision of fund use: an anomaly found in a cycle, with its evidence, on a work list.

Found by hehu.benefits.services.anomalies when a roll is generated (and on demand): paid
after death, age-out or exit; one account receiving for several unrelated children; a child
paid twice across programmes or counties; no visit confirming the child's living conditions
in the period; an amount that differs from the standard; a visit that found the support
did not reach the child. Each opens a work item for county civil affairs; the officer
explains it or confirms it (and acts: stops the entitlement, records the overpayment).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Anomaly(models.Model):
    class Kind(models.TextChoices):
        PAID_AFTER_DEATH = "paid_after_death", _("死亡后仍发放")
        PAID_AFTER_AGE_OUT = "paid_after_age_out", _("年满十八周岁后仍发放")
        PAID_AFTER_EXIT = "paid_after_exit", _("停发或销档后仍发放")
        SHARED_ACCOUNT = "shared_account", _("一个账户为多名无亲属关系儿童收款")
        PAID_TWICE = "paid_twice", _("同一儿童同月重复领取")
        NO_VERIFICATION_VISIT = "no_verification_visit", _("期内没有核实生活状况的走访")
        AMOUNT_DIFFERS = "amount_differs", _("发放金额与标准不符")
        SUPPORT_NOT_REACHED = "support_not_reached", _("走访发现待遇未到达儿童")

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        EXPLAINED = "explained", _("已核实无误")
        CONFIRMED = "confirmed", _("确认异常并已处理")

    kind = models.CharField(_("异常类型"), max_length=24, choices=Kind.choices)
    county_code = models.CharField(_("县（区）"), max_length=6)
    cycle = models.ForeignKey(
        "benefits.PaymentCycle",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="anomalies",
    )
    child = models.ForeignKey(
        "registry.Child", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Several children share one account: the blind index names the account (never shown).
    account_index = models.CharField(max_length=64, blank=True)
    # What was found, for the officer: {"zh": ..., "en": ..., "facts": {...}}.
    evidence = models.JSONField(_("证据"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    found_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("处理说明"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("资金使用异常")
        verbose_name_plural = _("资金使用异常")
        ordering = ["-found_at", "-id"]
        constraints = [
            # Found once per cycle, kind and child (or account): a second check adds nothing.
            models.UniqueConstraint(
                fields=["cycle", "kind", "child", "account_index"],
                name="anomaly_once_per_cycle",
            ),
        ]
        indexes = [models.Index(fields=["county_code", "status"], name="anomaly_county_status")]

    def __str__(self) -> str:
        return f"A{self.pk:06d}" if self.pk else "A(new)"

    @property
    def number(self) -> str:
        return str(self)
