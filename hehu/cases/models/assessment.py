"""Assessments: a versioned instrument (policies/instruments/) filled in for one case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Assessment(models.Model):
    """One needs or guardianship assessment; answers kept as data, scores computed."""

    class Kind(models.TextChoices):
        NEEDS = "needs", _("需求评估")
        GUARDIANSHIP = "guardianship", _("监护评估")

    class Status(models.TextChoices):
        DRAFT = "draft", _("填写中")
        SUBMITTED = "submitted", _("已提交")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    instrument_id = models.CharField(_("量表"), max_length=60)
    instrument_version = models.CharField(_("量表版本"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # {item_code: option_code}; items not yet answered are absent.
    answers = models.JSONField(_("答案"), default=dict, blank=True)
    # The child's own views (MPL art. 19: respect the child's opinion), in their words.
    child_views = models.TextField(_("儿童本人意见"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # Computed on submit from the instrument: per indicator/domain the score and the
    # answers that produced it ({"indicators": {...}, "total": n, "triggered": [...]}).
    scores = models.JSONField(_("得分"), default=dict, blank=True)
    # Guardianship: absent / improper / insufficient / normal (registry GuardianshipGrade).
    grade = models.CharField(_("监护等级"), max_length=12, blank=True)
    # Needs: [{"domain": code, "level": "high"|"medium"|"low"|"none", "support": kind}].
    needs = models.JSONField(_("需求"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("评估")
        verbose_name_plural = _("评估")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.pk}"
