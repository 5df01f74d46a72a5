"""The guardianship intervention ladder (MPL art. 118, FEPL arts. 48–49, ADVL, CC arts.
36–38; DOMAIN.md §7): each step dated, with its evidence and the body responsible."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InterventionStep(models.Model):
    class Step(models.TextChoices):
        WARNING = "warning", _("劝阻、制止")
        POLICE_REPORT = "police_report", _("报告公安机关")
        REPRIMAND = "reprimand", _("训诫")
        GUIDANCE_ORDER = "guidance_order", _("责令接受家庭教育指导")
        ORDER_APPLIED = "order_applied", _("申请人身安全保护令")
        ORDER_GRANTED = "order_granted", _("作出人身安全保护令")
        ORDER_REFUSED = "order_refused", _("驳回人身安全保护令申请")
        ORDER_RENEWED = "order_renewed", _("人身安全保护令延长")
        REVOCATION_PETITION = "revocation_petition", _("申请撤销监护人资格")
        REVOCATION = "revocation", _("撤销监护人资格")
        LONG_TERM_GUARDIANSHIP = "long_term_guardianship", _("民政部门长期监护")
        ADOPTION = "adoption", _("依法收养")
        OTHER_LONG_TERM = "other_long_term", _("其他长期安置")
        RESTORATION = "restoration", _("恢复监护人资格")

    class Body(models.TextChoices):
        VILLAGE_COMMITTEE = "village_committee", _("居民委员会、村民委员会")
        PUBLIC_SECURITY = "public_security", _("公安机关")
        PROCURATORATE = "procuratorate", _("人民检察院")
        COURT = "court", _("人民法院")
        CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
        OTHER = "other", _("其他")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.PROTECT, related_name="intervention_steps"
    )
    step = models.CharField(_("措施"), max_length=24, choices=Step.choices)
    on = models.DateField(_("日期"))
    body = models.CharField(_("实施机关"), max_length=20, choices=Body.choices)
    # Whose guardianship the step concerns: father, mother or another guardian.
    guardian_role = models.CharField(_("针对的监护人"), max_length=12, blank=True)
    reference = models.CharField(_("文书编号"), max_length=100, blank=True)
    evidence = models.TextField(_("证据与事实"))
    responsible = models.CharField(_("承办人"), max_length=100)
    # A protection order application: urgent (24 h) or not (72 h).
    urgent = models.BooleanField(_("情况紧急"), default=False)
    decision_due_at = models.DateTimeField(_("裁定期限"), null=True, blank=True)
    # A protection order granted or renewed: valid until (at most 6 months).
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    # A revocation: for an intentional crime against the child (restoration barred, CC 38).
    intentional_crime = models.BooleanField(_("对被监护人实施故意犯罪"), default=False)
    # The step this one answers (a decision answers an application).
    answers = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="answered_by"
    )
    report = models.ForeignKey(
        "protection.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("监护干预措施")
        verbose_name_plural = _("监护干预措施")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.step} {self.on}"
