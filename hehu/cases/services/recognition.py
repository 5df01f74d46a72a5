"""Recognition of orphans and de facto unattended children (民发〔2019〕62号, DOMAIN.md §6).

The guardian (or the village committee) applies at the township of the child's household
registration → the township verifies within 15 working days of acceptance → county civil
affairs decides within 15 working days of the verification, with written reasons for a
refusal. Cross-province (跨省通办, 2021): any township receives and forwards the complete
file within 3 working days → the household-registration township gives its opinion within
15 → the county decides within 15 → the receiving township tells the applicant within 3.

There is no public-notice step: 62号 forbids announcing the result (不予公示), so none exists.
Each step stops the clock of the step before and starts the next one (a work item).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, working_days_after
from hehu.cases.errors import ApplicationStepNotAllowed
from hehu.cases.levels import level_code
from hehu.cases.models import Case, Level, RecognitionApplication, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.selectors_recognition import PENDING, covers
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ApplicationError, ConcurrentEdit, Duplicate, PermissionRefused
from hehu.core.events import RECOGNITION_APPROVED, publish_on_commit
from hehu.registry.models import Child

App = RecognitionApplication
S = App.Status
OBJECT = "application"
REFUSAL_REASONS_MIN = 10


class ApplicationInvalid(ApplicationError):
    """An input of a step is missing or wrong; `field` names it."""

    code = "application_invalid"


class ApplicationPending(Duplicate):
    code = "application_pending"


class NotResponsible(PermissionRefused):
    """The user may see the application but another body acts on this step."""

    code = "not_responsible"


# -- helpers ----------------------------------------------------------------------------------
def township_of(code: str) -> str:
    """The 12-digit code of the township over a region code (padded with zeros)."""
    return level_code(Level.TOWNSHIP, code.ljust(12, "0"))


def _days(name: str, region_code: str, on: dt.date) -> int:
    return int(procedure_value(name, region_code, on))


def _require(actor: Any, perm: Perm, message: str) -> None:
    if not has_perm(actor, perm):
        raise PermissionRefused(message)


def _locked(application: App) -> App:
    return App.objects.select_for_update().get(pk=application.pk)


def _check_version(application: App, expected_version: int | None) -> None:
    if expected_version is not None and application.version != expected_version:
        raise ConcurrentEdit(
            _("这份认定申请已被其他人处理（现为第 %(now)s 版），请刷新页面查看最新状态后再操作。")
            % {"now": application.version}
        )


def _check_status(application: App, *allowed: str) -> None:
    if application.status not in allowed:
        raise ApplicationStepNotAllowed(
            _("这份申请目前处于“%(status)s”，不能办理这一步。")
            % {"status": S(application.status).label}
        )


def _check_date(
    value: dt.date, *, field: str, label: str, not_before: dt.date, before_label: str
) -> None:
    if value > timezone.localdate():
        raise ApplicationInvalid(_("%(label)s不能晚于今天。") % {"label": label}, field=field)
    if value < not_before:
        raise ApplicationInvalid(
            _("%(label)s不能早于%(before)s（%(date)s）。")
            % {"label": label, "before": before_label, "date": not_before.isoformat()},
            field=field,
        )


def _open(
    application: App, *, kind: str, level: Level, region_code: str, due: Due, why: dict[str, str]
) -> WorkItem:
    return work_item_open(
        kind=kind,
        child_id=application.child_id,
        region_code=region_code,
        level=level,
        due=due,
        rule=why,
        object_type=OBJECT,
        object_id=application.pk,
        case_id=application.case_id,
        application_id=application.pk,
    )


def _save(application: App, *fields: str) -> None:
    application.version += 1
    application.save(update_fields=[*fields, "status", "version"])


def _audit(
    actor: Any, verb: Verb, application: App, changes: dict[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type=OBJECT,
        object_id=application.pk,
        child_id=application.child_id,
        changes=changes,
        reason=reason,
    )


def _open_verify(application: App, start: dt.date) -> WorkItem:
    township = application.hukou_township_code
    n = _days("recognition_township_working_days", township, start)
    if application.cross_province:
        why = rule(
            f"收到转交材料后 {n} 个工作日内出具核查意见（跨省通办）",
            f"Township opinion within {n} working days of receiving the file (cross-province)",
        )
    else:
        why = rule(
            f"受理后 {n} 个工作日内完成乡镇核查（民发〔2019〕62号）",
            f"Township verification within {n} working days of acceptance (MCA [2019] No. 62)",
        )
    return _open(
        application,
        kind=WorkItem.Kind.RECOGNITION_VERIFY,
        level=Level.TOWNSHIP,
        region_code=township,
        due=working_days_after(start, n),
        why=why,
    )


# -- steps ------------------------------------------------------------------------------------
@transaction.atomic
def application_receive(
    *,
    actor: Any,
    child: Child,
    kind: str,
    applicant_name: str,
    applicant_relation: str,
    applied_on: dt.date,
    accepted_on: dt.date,
    cross_province: bool = False,
    receiving_township_code: str | None = None,
) -> RecognitionApplication:
    """Accept an application at the household-registration township (or, cross-province,
    at any township, which then forwards it); the first clock starts on acceptance."""
    _require(actor, Perm.RECEIVE_APPLICATION, _("您的账号不能受理认定申请。"))
    child = Child.objects.select_for_update().select_related("hukou_region").get(pk=child.pk)
    if child.status != Child.Status.ACTIVE:
        raise ApplicationInvalid(_("这名儿童的档案已不在册，不能受理申请。"), field="child")
    if kind not in App.Kind.values:
        raise ApplicationInvalid(_("请选择申请类别：孤儿或事实无人抚养儿童。"), field="kind")
    applicant_name, applicant_relation = applicant_name.strip(), applicant_relation.strip()
    if not applicant_name:
        raise ApplicationInvalid(_("请填写申请人姓名。"), field="applicant_name")
    if not applicant_relation:
        raise ApplicationInvalid(_("请填写申请人与儿童的关系。"), field="applicant_relation")
    if applied_on > timezone.localdate():
        raise ApplicationInvalid(_("申请日期不能晚于今天。"), field="applied_on")
    _check_date(
        accepted_on,
        field="accepted_on",
        label=_("受理日期"),
        not_before=applied_on,
        before_label=_("申请日期"),
    )
    hukou = township_of(child.hukou_region.code)
    receiving = _receiving_township(actor, hukou, cross_province, receiving_township_code)
    if App.objects.filter(child=child, kind=kind, status__in=PENDING).exists():
        raise ApplicationPending(
            _("这名儿童已有一份正在办理的“%(kind)s”认定申请，不能重复受理。")
            % {"kind": App.Kind(kind).label},
            field="kind",
        )
    open_case = (
        Case.objects.filter(child=child).exclude(status=Case.Status.CLOSED).only("pk").first()
    )
    application = App.objects.create(
        child=child,
        case=open_case,
        kind=kind,
        status=S.RECEIVED if cross_province else S.TOWNSHIP,
        cross_province=cross_province,
        applicant_name=applicant_name,
        applicant_relation=applicant_relation,
        hukou_township_code=hukou,
        receiving_township_code=receiving,
        applied_on=applied_on,
        accepted_on=accepted_on,
        received_by=actor,
    )
    if cross_province:
        n = _days("recognition_forward_working_days", receiving, accepted_on)
        _open(
            application,
            kind=WorkItem.Kind.RECOGNITION_FORWARD,
            level=Level.TOWNSHIP,
            region_code=receiving,
            due=working_days_after(accepted_on, n),
            why=rule(
                f"受理后 {n} 个工作日内将完整材料转交户籍地乡镇（跨省通办）",
                f"Forward the complete file to the household-registration township within "
                f"{n} working days of acceptance (cross-province)",
            ),
        )
    else:
        _open_verify(application, accepted_on)
    _audit(
        actor,
        Verb.APPLICATION_RECEIVED,
        application,
        {
            "kind": kind,
            "status": application.status,
            "cross_province": cross_province,
            "hukou_township_code": hukou,
            "receiving_township_code": receiving,
            "applied_on": applied_on.isoformat(),
            "accepted_on": accepted_on.isoformat(),
        },
    )
    return application


def _receiving_township(actor: Any, hukou: str, cross_province: bool, code: str | None) -> str:
    """Where the application is received: the household-registration township itself, or
    (cross-province) the actor's own township in another province."""
    if not cross_province:
        if not covers(actor, hukou):
            raise NotResponsible(
                _(
                    "这名儿童的户籍地乡镇不在您的管辖范围内：请由户籍地乡镇受理，"
                    "或按“跨省通办”受理。"
                ),
                field="child",
            )
        return hukou
    if code:
        if not code.isdigit() or len(code) not in (9, 12):
            raise ApplicationInvalid(
                _("受理乡镇代码应为 9 位（或补零后的 12 位）数字。"),
                field="receiving_township_code",
            )
        receiving = township_of(code)
    else:
        townships = {township_of(p) for p in actor.prefixes if len(p) >= 9}
        if len(townships) != 1:
            raise ApplicationInvalid(
                _("请填写受理乡镇代码（您的账号管辖不止一个乡镇）。"),
                field="receiving_township_code",
            )
        receiving = townships.pop()
    if not covers(actor, receiving):
        raise NotResponsible(_("受理乡镇不在您的管辖范围内。"), field="receiving_township_code")
    if receiving[:2] == hukou[:2]:
        raise ApplicationInvalid(
            _("“跨省通办”只适用于在户籍所在省以外的乡镇提出的申请；本省申请请在户籍地乡镇受理。"),
            field="cross_province",
        )
    return receiving


@transaction.atomic
def application_forward(
    *,
    actor: Any,
    application: RecognitionApplication,
    forwarded_on: dt.date,
    expected_version: int | None = None,
) -> RecognitionApplication:
    """Cross-province: the receiving township forwards the complete file; the household-
    registration township's 15 working days start from the forwarding date."""
    _require(actor, Perm.RECEIVE_APPLICATION, _("您的账号不能转交认定申请。"))
    application = _locked(application)
    _check_version(application, expected_version)
    _check_status(application, S.RECEIVED)
    if not covers(actor, application.receiving_township_code):
        raise NotResponsible(_("只有受理这份申请的乡镇可以转交材料。"))
    _check_date(
        forwarded_on,
        field="forwarded_on",
        label=_("转交日期"),
        not_before=application.accepted_on,
        before_label=_("受理日期"),
    )
    application.status = S.TOWNSHIP
    application.forwarded_on = forwarded_on
    _save(application, "forwarded_on")
    work_items_done(
        object_type=OBJECT, object_id=application.pk, kinds=[WorkItem.Kind.RECOGNITION_FORWARD]
    )
    _open_verify(application, forwarded_on)
    _audit(
        actor,
        Verb.APPLICATION_FORWARDED,
        application,
        {"status": [S.RECEIVED, S.TOWNSHIP], "forwarded_on": forwarded_on.isoformat()},
    )
    return application


@transaction.atomic
def application_verify(
    *,
    actor: Any,
    application: RecognitionApplication,
    opinion: str,
    note: str,
    concluded_on: dt.date,
    expected_version: int | None = None,
) -> RecognitionApplication:
    """The household-registration township concludes its verification (comparing department
    data, visiting when disputed); the county's 15 working days start from that date."""
    _require(actor, Perm.VERIFY_APPLICATION, _("只有乡镇儿童督导员可以核查认定申请。"))
    application = _locked(application)
    _check_version(application, expected_version)
    _check_status(application, S.TOWNSHIP)
    if not covers(actor, application.hukou_township_code):
        raise NotResponsible(_("只有儿童户籍地乡镇可以核查这份申请。"))
    if opinion not in App.Opinion.values:
        raise ApplicationInvalid(_("请选择核查意见：情况属实或情况不实。"), field="opinion")
    note = note.strip()
    if opinion == App.Opinion.NOT_CONFIRMED and not note:
        raise ApplicationInvalid(_("核查意见为“情况不实”时，请写明核查发现的情况。"), field="note")
    _check_date(
        concluded_on,
        field="concluded_on",
        label=_("核查完成日期"),
        not_before=application.forwarded_on or application.accepted_on,
        before_label=_("转交日期") if application.forwarded_on else _("受理日期"),
    )
    application.status = S.COUNTY
    application.township_opinion = opinion
    application.township_note = note
    application.township_concluded_on = concluded_on
    application.township_by = actor
    _save(application, "township_opinion", "township_note", "township_concluded_on", "township_by")
    work_items_done(
        object_type=OBJECT, object_id=application.pk, kinds=[WorkItem.Kind.RECOGNITION_VERIFY]
    )
    n = _days("recognition_county_working_days", application.hukou_township_code, concluded_on)
    _open(
        application,
        kind=WorkItem.Kind.RECOGNITION_DECIDE,
        level=Level.COUNTY,
        region_code=application.hukou_township_code,
        due=working_days_after(concluded_on, n),
        why=rule(
            f"乡镇核查完成后 {n} 个工作日内作出认定决定（民发〔2019〕62号）",
            f"County decision within {n} working days of the township's verification "
            f"(MCA [2019] No. 62)",
        ),
    )
    _audit(
        actor,
        Verb.APPLICATION_VERIFIED,
        application,
        {
            "status": [S.TOWNSHIP, S.COUNTY],
            "opinion": opinion,
            "concluded_on": concluded_on.isoformat(),
        },
        reason=note,
    )
    return application


@transaction.atomic
def application_decide(
    *,
    actor: Any,
    application: RecognitionApplication,
    approve: bool,
    reasons: str = "",
    decided_on: dt.date,
    expected_version: int | None = None,
) -> RecognitionApplication:
    """County civil affairs decides; a refusal needs written reasons (62号). Benefits start
    from the month after `confirmed_from` (DOMAIN.md §5)."""
    _require(actor, Perm.DECIDE_APPLICATION, _("只有县级民政部门可以作出认定决定。"))
    application = _locked(application)
    _check_version(application, expected_version)
    _check_status(application, S.COUNTY)
    if not covers(actor, application.hukou_township_code[:6]):
        raise NotResponsible(_("只有儿童户籍地县级民政部门可以作出认定决定。"))
    reasons = reasons.strip()
    if not approve and len(reasons) < REFUSAL_REASONS_MIN:
        raise ApplicationInvalid(
            _("不予认定必须书面说明理由（至少 %(n)s 个字），理由将写入不予认定决定书。")
            % {"n": REFUSAL_REASONS_MIN},
            field="reasons",
        )
    _check_date(
        decided_on,
        field="decided_on",
        label=_("决定日期"),
        not_before=application.township_concluded_on or application.accepted_on,
        before_label=_("乡镇核查完成日期"),
    )
    application.status = S.APPROVED if approve else S.REFUSED
    application.decided_on = decided_on
    application.decided_by = actor
    application.refusal_reasons = "" if approve else reasons
    application.confirmed_from = decided_on if approve else None
    _save(application, "decided_on", "decided_by", "refusal_reasons", "confirmed_from")
    work_items_done(
        object_type=OBJECT, object_id=application.pk, kinds=[WorkItem.Kind.RECOGNITION_DECIDE]
    )
    if application.cross_province:
        receiving = application.receiving_township_code
        n = _days("recognition_notify_working_days", receiving, decided_on)
        _open(
            application,
            kind=WorkItem.Kind.RECOGNITION_NOTIFY,
            level=Level.TOWNSHIP,
            region_code=receiving,
            due=working_days_after(decided_on, n),
            why=rule(
                f"作出决定后 {n} 个工作日内告知申请人（跨省通办）",
                f"Tell the applicant within {n} working days of the decision (cross-province)",
            ),
        )
    if approve:
        publish_on_commit(
            RECOGNITION_APPROVED, application_id=application.pk, child_id=application.child_id
        )
    _audit(
        actor,
        Verb.APPLICATION_DECIDED,
        application,
        {
            "status": [S.COUNTY, application.status],
            "approve": approve,
            "decided_on": decided_on.isoformat(),
        },
        reason=reasons,
    )
    return application


@transaction.atomic
def application_notify(
    *,
    actor: Any,
    application: RecognitionApplication,
    notified_on: dt.date,
    expected_version: int | None = None,
) -> RecognitionApplication:
    """Record the day the applicant was told of the decision (cross-province: the receiving
    township, within 3 working days; otherwise the household-registration township)."""
    _require(actor, Perm.RECEIVE_APPLICATION, _("您的账号不能办理告知申请人。"))
    application = _locked(application)
    _check_version(application, expected_version)
    _check_status(application, S.APPROVED, S.REFUSED)
    if application.applicant_notified_on is not None:
        raise ApplicationStepNotAllowed(_("已经记录过告知申请人的日期。"))
    township = (
        application.receiving_township_code
        if application.cross_province
        else application.hukou_township_code
    )
    if not covers(actor, township):
        raise NotResponsible(_("只有受理这份申请的乡镇可以告知申请人。"))
    _check_date(
        notified_on,
        field="notified_on",
        label=_("告知日期"),
        not_before=application.decided_on or application.accepted_on,
        before_label=_("决定日期"),
    )
    application.applicant_notified_on = notified_on
    _save(application, "applicant_notified_on")
    work_items_done(
        object_type=OBJECT, object_id=application.pk, kinds=[WorkItem.Kind.RECOGNITION_NOTIFY]
    )
    _audit(
        actor,
        Verb.APPLICATION_NOTIFIED,
        application,
        {"notified_on": notified_on.isoformat()},
    )
    return application


@transaction.atomic
def application_withdraw(
    *,
    actor: Any,
    application: RecognitionApplication,
    reason: str,
    expected_version: int | None = None,
) -> RecognitionApplication:
    """The applicant withdrew a pending application; its clocks stop."""
    if not (has_perm(actor, Perm.RECEIVE_APPLICATION) or has_perm(actor, Perm.VERIFY_APPLICATION)):
        raise PermissionRefused(_("您的账号不能办理撤回申请。"))
    application = _locked(application)
    _check_version(application, expected_version)
    _check_status(application, *PENDING)
    if not (
        covers(actor, application.receiving_township_code)
        or covers(actor, application.hukou_township_code)
    ):
        raise NotResponsible(_("只有受理或核查这份申请的乡镇、县可以办理撤回。"))
    reason = reason.strip()
    if not reason:
        raise ApplicationInvalid(_("请写明申请人撤回申请的原因。"), field="reason")
    before = application.status
    application.status = S.WITHDRAWN
    _save(application)
    work_items_done(object_type=OBJECT, object_id=application.pk, status=WorkItem.Status.CANCELLED)
    _audit(
        actor,
        Verb.APPLICATION_WITHDRAWN,
        application,
        {"status": [before, S.WITHDRAWN], "withdrawn": True},
        reason=reason,
    )
    return application


def application_viewed(
    *, actor: Any, application: RecognitionApplication, purpose: str = "", printed: bool = False
) -> None:
    """Every view of an application is recorded; printing the decision states its purpose."""
    _audit(
        actor,
        Verb.APPLICATION_VIEWED,
        application,
        {"printed": True} if printed else {},
        reason=purpose,
    )
