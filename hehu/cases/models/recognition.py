"""Orphan / de facto unattended recognition (62号; cross-province 跨省通办, 2021).

Never announced publicly (62号: 不进行公示) — there is no publicity step at all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecognitionApplication(models.Model):
    class Kind(models.TextChoices):
        ORPHAN = "orphan", _("孤儿")
        DE_FACTO_UNATTENDED = "de_facto_unattended", _("事实无人抚养儿童")

    class Status(models.TextChoices):
        # Cross-province only: received at another township, to be forwarded in 3 days.
        RECEIVED = "received", _("异地受理")
        TOWNSHIP = "township", _("乡镇核查")
        COUNTY = "county", _("县级审核")
        APPROVED = "approved", _("已确认")
        REFUSED = "refused", _("不予确认")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Opinion(models.TextChoices):
        CONFIRMED = "confirmed", _("情况属实")
        NOT_CONFIRMED = "not_confirmed", _("情况不实")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="recognition_applications"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("申请类别"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    cross_province = models.BooleanField(_("跨省通办"), default=False)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_relation = models.CharField(_("与儿童关系"), max_length=50)
    # The township of the child's household registration decides the verification; in the
    # cross-province variant the application is received at another township first.
    hukou_township_code = models.CharField(_("户籍地乡镇代码"), max_length=12)
    receiving_township_code = models.CharField(_("受理乡镇代码"), max_length=12)
    applied_on = models.DateField(_("申请日期"))
    accepted_on = models.DateField(_("受理日期"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_on = models.DateField(_("转交日期"), null=True, blank=True)
    township_concluded_on = models.DateField(_("乡镇核查完成日期"), null=True, blank=True)
    township_opinion = models.CharField(
        _("乡镇核查意见"), max_length=16, choices=Opinion.choices, blank=True
    )
    township_note = models.TextField(_("核查说明"), blank=True)
    township_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("审核决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Written reasons are required for a refusal (62号).
    refusal_reasons = models.TextField(_("不予确认理由"), blank=True)
    # The month benefits start from is the month after this date (DOMAIN.md §5).
    confirmed_from = models.DateField(_("确认日期"), null=True, blank=True)
    applicant_notified_on = models.DateField(_("告知申请人日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("认定申请")
        verbose_name_plural = _("认定申请")
        ordering = ["-accepted_on", "-id"]
        indexes = [
            models.Index(fields=["hukou_township_code", "status"], name="recognition_township"),
        ]

    def __str__(self) -> str:
        return f"R{self.pk:06d}" if self.pk else "R(new)"
