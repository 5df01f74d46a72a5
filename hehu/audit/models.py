"""The audit log: append-only. The application never updates or deletes an entry — neither
one at a time (save/delete) nor in bulk (QuerySet.update/delete); on PostgreSQL a trigger
refuses it at the database as well (migration 0002). Entries are kept at least three years
(Minors' Online Protection Regulations art. 36); there is no delete path at all."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    CHILD_CREATED = "child.created", _("登记儿童")
    CHILD_UPDATED = "child.updated", _("修改儿童档案")
    CHILD_VIEWED = "child.viewed", _("查看儿童档案")
    CHILD_MERGED = "child.merged", _("合并儿童档案")
    CHILD_EXPORTED = "child.exported", _("导出儿童事实文档")
    CHILD_ID_REVEALED = "child.id_revealed", _("查看完整身份证号")
    ATTACHMENT_ADDED = "attachment.added", _("上传附件")
    AUDIT_VIEWED = "audit.viewed", _("查看审计记录")
    USER_CREATED = "user.created", _("创建账号")
    USER_UPDATED = "user.updated", _("修改账号")
    REGIONS_IMPORTED = "regions.imported", _("导入区划")
    POLICY_SYNCED = "policy.synced", _("同步随系统发布的政策")
    POLICY_DRAFTED = "policy.drafted", _("起草政策版本")
    POLICY_REVIEWED = "policy.reviewed", _("审核政策版本")
    POLICY_APPROVED = "policy.approved", _("批准政策版本")
    POLICY_RETIRED = "policy.retired", _("停用政策版本")
    POLICY_POPULATION_RUN = "policy.population_run", _("全员困境儿童认定")
    CHILD_RECLASSIFIED = "child.reclassified", _("按现行政策重新认定儿童")
    SIMULATION_RUN = "simulation.run", _("模拟政策草案")
    SIMULATION_EXPORTED = "simulation.exported", _("导出政策模拟结果")
    # Case management (issue 4).
    CASE_OPENED = "case.opened", _("开案")
    CASE_TRANSITIONED = "case.transitioned", _("个案流转")
    CASE_CLOSED = "case.closed", _("结案")
    CASE_REOPENED = "case.reopened", _("重新开案")
    CASE_TRANSFERRED = "case.transferred", _("个案随儿童迁移")
    CASE_RISK_CHANGED = "case.risk_changed", _("个案风险等级变化")
    CASE_VIEWED = "case.viewed", _("查看个案")
    CASE_NOTE_ADDED = "case.note_added", _("添加个案记录")
    CASE_REFERRED = "case.referred", _("个案转介社会组织")
    CASE_REFERRAL_ENDED = "case.referral_ended", _("结束个案转介")
    ASSESSMENT_STARTED = "assessment.started", _("开始评估")
    ASSESSMENT_SAVED = "assessment.saved", _("保存评估")
    ASSESSMENT_SUBMITTED = "assessment.submitted", _("提交评估")
    ASSESSMENT_VIEWED = "assessment.viewed", _("查看评估")
    PLAN_DRAFTED = "plan.drafted", _("起草服务计划")
    PLAN_UPDATED = "plan.updated", _("修改服务计划")
    PLAN_SUBMITTED = "plan.submitted", _("提交服务计划")
    PLAN_REVIEWED = "plan.reviewed", _("审核服务计划")
    PLAN_APPROVED = "plan.approved", _("审批服务计划")
    PLAN_RETURNED = "plan.returned", _("退回服务计划")
    VISIT_RECORDED = "visit.recorded", _("记录走访")
    APPLICATION_RECEIVED = "application.received", _("受理认定申请")
    APPLICATION_FORWARDED = "application.forwarded", _("转交认定申请")
    APPLICATION_VERIFIED = "application.verified", _("乡镇核查认定申请")
    APPLICATION_DECIDED = "application.decided", _("审核决定认定申请")
    APPLICATION_NOTIFIED = "application.notified", _("告知申请人")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("申请人撤回认定申请")
    APPLICATION_VIEWED = "application.viewed", _("查看认定申请")
    DEADLINES_SWEPT = "deadlines.swept", _("期限巡查与逾期升级")
    # Protection (issue 5).
    REPORT_FILED = "report.filed", _("提交强制报告")
    REPORT_ROUTED = "report.routed", _("分派强制报告")
    REPORT_ROUTING_FAILED = "report.routing_failed", _("强制报告分派失败")
    REPORT_ACCEPTED = "report.accepted", _("受理强制报告")
    REPORT_FEEDBACK = "report.feedback", _("反馈强制报告处理情况")
    REPORT_FINDING = "report.finding", _("记录强制报告核查结论")
    REPORT_LINKED = "report.linked", _("将强制报告关联到儿童档案")
    REPORT_VIEWED = "report.viewed", _("查看强制报告")
    REPORTER_REVEALED = "report.reporter_revealed", _("查看报告人身份")
    REMOVAL_RECORDED = "removal.recorded", _("登记紧急带离")
    PLACEMENT_STARTED = "placement.started", _("开始安置")
    PLACEMENT_ENDED = "placement.ended", _("结束安置")
    RETURN_ASSESSED = "placement.return_assessed", _("返还监护评估")
    FACILITY_SAVED = "facility.saved", _("登记或修改安置场所")
    INTERVENTION_RECORDED = "intervention.recorded", _("登记监护干预措施")
    PROTECTION_VIEWED = "protection.viewed", _("查看儿童保护记录")
    # Benefits (issue 6).
    ENROLMENT_CONFIRMED = "benefit.enrolled", _("确认待遇资格")
    ENROLMENT_STOPPED = "benefit.stopped", _("停发待遇")
    ACCOUNT_SAVED = "payee_account.saved", _("登记收款账户")
    AID_GRANTED = "aid.granted", _("决定临时性救助")
    AID_CANCELLED = "aid.cancelled", _("撤销临时性救助")
    OVERPAYMENT_DETECTED = "overpayment.detected", _("发现多发待遇")
    OVERPAYMENT_SETTLED = "overpayment.settled", _("处理多发待遇")
    CYCLE_GENERATED = "payment_cycle.generated", _("生成发放名册")
    CYCLE_SUBMITTED = "payment_cycle.submitted", _("复核发放名册")
    CYCLE_RETURNED = "payment_cycle.returned", _("退回发放名册")
    CYCLE_APPROVED = "payment_cycle.approved", _("审批发放名册")
    BANK_FILE_EXPORTED = "payment_cycle.exported", _("导出银行代发文件")
    BANK_RESULTS_IMPORTED = "payment_cycle.results_imported", _("导入银行回盘结果")
    CYCLE_RECONCILED = "payment_cycle.reconciled", _("发放名册对账")
    ADJUSTMENTS_CREATED = "payment_cycle.adjusted", _("按新标准生成补差")
    ANOMALIES_CHECKED = "benefit.anomalies_checked", _("资金使用异常筛查")
    VERIFICATION_RECORDED = "benefit.verified", _("核实待遇到达儿童")
    BENEFIT_REPORT_EXPORTED = "benefit.report_exported", _("导出资金发放报表")
    ANOMALY_RESOLVED = "benefit.anomaly_resolved", _("处理资金发放异常")
    # In-kind supply (issue 6).
    SUPPLY_ITEM_SAVED = "supply.item_saved", _("登记或修改实物物资")
    STOCK_RECEIVED = "supply.stock_received", _("实物入库")
    STOCK_ADJUSTED = "supply.stock_adjusted", _("调整实物库存")
    SUPPLY_DISTRIBUTED = "supply.distributed", _("发放实物")
    DISTRIBUTION_CANCELLED = "supply.distribution_cancelled", _("撤销实物发放记录")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    verb = models.CharField(_("操作"), max_length=40, choices=Verb.choices)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象编号"), max_length=64)
    # The child whose file this concerns, so a child's whole trail is one indexed query.
    child_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries cannot be deleted")
