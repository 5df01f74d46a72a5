"""Assessments of a case: start with the instrument in force, save as you go, submit.

A needs or guardianship assessment is filled in against a versioned instrument
(policies/instruments/, DOMAIN.md §6). Answers may be saved partly, any number of times;
each save needs the version the assessor opened (a second assessor's save is refused, not
merged). Submitting needs every item answered and the child's own views recorded — or a
reason why they could not be heard (an infant, a child who cannot communicate): MPL art. 19
asks that the child's opinion be heard, so an empty box is never silently accepted. The
reason is kept in `scores["child_views_absent_reason"]` (the model has no field of its own).

A submitted assessment is final. Its scores keep which answers produced them. A guardianship
grade goes into the child's file (hehu.registry.services.guardianship) so that the policy
engine reclassifies the child, and the case's risk is recomputed; the grade "absent" puts an
item on county civil affairs' work list. A needs assessment moves a case still in intake or
assessment on to planning.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import working_days_after
from hehu.cases.errors import AssessmentIncomplete
from hehu.cases.instruments import (
    DEFAULT_DIR,
    GRADE_LABELS,
    GUARDIANSHIP,
    Instrument,
    InstrumentShelf,
    answer_problems,
    missing_items,
    score,
)
from hehu.cases.models import Assessment, Case, Level, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.workitems import rule, work_item_open
from hehu.core.errors import ApplicationError, ConcurrentEdit, PermissionRefused
from hehu.policy.engine.model import Text
from hehu.registry.models import Child

CHILD_VIEWS = "child_views"
ABSENT_REASON = "child_views_absent_reason"
MAX_VIEWS = 4000


class AssessmentNotEditable(ApplicationError):
    code = "assessment_not_editable"
    status = 409


class AssessmentAlreadyStarted(ApplicationError):
    """A draft of this kind exists for the case: `extra['assessment_id']` names it."""

    code = "assessment_already_started"
    status = 409


class AssessmentAnswerInvalid(ApplicationError):
    """Answers name an item or option the instrument lacks; `extra['problems']` lists each."""

    code = "assessment_answer_invalid"


class NoInstrumentInForce(ApplicationError):
    code = "no_instrument_in_force"
    status = 409


# -- instruments -----------------------------------------------------------------------------
def instruments_dir() -> Path:
    configured = getattr(settings, "HEHU_INSTRUMENT_DIR", None)
    return Path(configured) if configured else DEFAULT_DIR


@functools.cache
def _shelf(directory: Path) -> InstrumentShelf:
    return InstrumentShelf.from_directory(directory)


def instruments() -> InstrumentShelf:
    """The instrument files, loaded and checked once per process."""
    return _shelf(instruments_dir())


def instrument_of(assessment: Assessment) -> Instrument:
    """The instrument version an assessment was started with (kept for its whole life)."""
    found = instruments().get(assessment.instrument_id, assessment.instrument_version)
    if found is None:
        raise NoInstrumentInForce(
            _("找不到评估量表 %(ref)s，请联系管理员。")
            % {"ref": f"{assessment.instrument_id}@{assessment.instrument_version}"}
        )
    return found


def label(text: Text | dict[str, str]) -> str:
    """A bilingual label in the current language."""
    english = (get_language() or "zh-hans").startswith("en")
    if isinstance(text, Text):
        return text.en if english else text.zh
    return text.get("en" if english else "zh", "") or text.get("zh", "")


# -- reads -------------------------------------------------------------------------------------
def access_assessment_by_id(
    user: Any, assessment_id: int | str, *, for_update: bool = False
) -> Assessment:
    """An assessment of a case the user may see: 404 whether hidden or missing."""
    try:
        pk = int(assessment_id)
    except (TypeError, ValueError):
        raise Http404 from None
    queryset = Assessment.objects.filter(case__in=cases_visible_to(user=user))
    queryset = queryset.select_for_update() if for_update else queryset.select_related("case")
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def assessments_of_case(*, case: Case) -> QuerySet[Assessment]:
    return Assessment.objects.filter(case=case).select_related("assessor")


def assessment_record_view(*, actor: Any, assessment: Assessment) -> None:
    """An assessment was opened (sensitive: every reading is logged)."""
    audit_record(
        actor=actor,
        verb=Verb.ASSESSMENT_VIEWED,
        object_type="assessment",
        object_id=assessment.pk,
        child_id=assessment.case.child_id,
    )


def assessments_record_list_view(*, actor: Any, case: Case) -> None:
    audit_record(
        actor=actor,
        verb=Verb.ASSESSMENT_VIEWED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"list": "assessments"},
    )


# -- writes ------------------------------------------------------------------------------------
def _require_work(actor: Any, case: Case) -> None:
    if not has_perm(actor, Perm.WORK_CASE):
        raise PermissionRefused(_("您的账号不能填写评估。"))
    if not cases_visible_to(user=actor).filter(pk=case.pk).exists():
        raise PermissionRefused(_("该个案不在您的管辖范围内。"))
    if case.status == Case.Status.CLOSED:
        raise AssessmentNotEditable(_("个案已结案，不能再评估；如需继续服务请重新开案。"))


def _locked(assessment: Assessment, expected_version: int) -> Assessment:
    locked = Assessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)
    if locked.status != Assessment.Status.DRAFT:
        raise AssessmentNotEditable(_("评估已提交，不能再修改。"))
    if locked.version != expected_version:
        raise ConcurrentEdit(
            _(
                "这份评估已被其他人保存（现为第 %(now)s 版），您这次的修改没有保存。"
                "请复制您填写的内容，刷新页面后再填写。"
            )
            % {"now": locked.version}
        )
    return locked


@transaction.atomic
def assessment_start(*, actor: Any, case: Case, kind: str) -> Assessment:
    """A new draft with the instrument of `kind` in force today; one draft per case and kind."""
    if kind not in Assessment.Kind.values:
        raise ApplicationError(_("评估类型应为需求评估或监护评估。"), field="kind")
    case = Case.objects.select_for_update().get(pk=case.pk)  # serialises two starts
    _require_work(actor, case)
    draft = Assessment.objects.filter(case=case, kind=kind, status=Assessment.Status.DRAFT).first()
    if draft is not None:
        raise AssessmentAlreadyStarted(
            _("这个个案已有一份未提交的%(kind)s，请继续填写那一份。")
            % {"kind": Assessment.Kind(kind).label},
            assessment_id=draft.pk,
        )
    today = timezone.localdate()
    instrument = instruments().in_force(kind, today)
    if instrument is None:
        raise NoInstrumentInForce(
            _("%(date)s 没有生效的%(kind)s量表，请联系管理员。")
            % {"date": today.isoformat(), "kind": Assessment.Kind(kind).label}
        )
    assessment = Assessment.objects.create(
        case=case,
        kind=kind,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        assessor=actor,
        started_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.ASSESSMENT_STARTED,
        object_type="assessment",
        object_id=assessment.pk,
        child_id=case.child_id,
        changes={"kind": kind, "instrument": instrument.ref, "case": case.pk},
    )
    return assessment


@transaction.atomic
def assessment_save(
    *,
    actor: Any,
    assessment: Assessment,
    answers: dict[str, Any],
    child_views: str | None = None,
    child_views_absent_reason: str | None = None,
    expected_version: int,
) -> Assessment:
    """Save some answers (None or "" clears one) and the child's views; version + 1."""
    locked = _locked(assessment, expected_version)
    _require_work(actor, locked.case)
    instrument = instrument_of(locked)
    problems = answer_problems(instrument, answers)
    if problems:
        raise AssessmentAnswerInvalid(
            "；".join(label(p.message) for p in problems),
            field="answers",
            problems=[
                {"item": p.item, "option": p.option, "message": label(p.message)} for p in problems
            ],
        )
    changes: dict[str, Any] = {}
    stored = dict(locked.answers)
    for code, option in answers.items():
        new = None if option in (None, "") else str(option)
        if stored.get(code) != new:
            changes[code] = [stored.get(code), new]
        if new is None:
            stored.pop(code, None)
        else:
            stored[code] = new
    locked.answers = stored
    audit_changes: dict[str, Any] = {"answers": changes} if changes else {}
    if child_views is not None and child_views.strip() != locked.child_views:
        locked.child_views = child_views.strip()[:MAX_VIEWS]
        audit_changes["child_views"] = "changed"  # the child's words stay out of the log
    if child_views_absent_reason is not None:
        reason = child_views_absent_reason.strip()[:MAX_VIEWS]
        if reason != locked.scores.get(ABSENT_REASON, ""):
            locked.scores = {**locked.scores, ABSENT_REASON: reason}
            audit_changes[ABSENT_REASON] = reason
    locked.version += 1
    locked.save(update_fields=["answers", "child_views", "scores", "version"])
    audit_record(
        actor=actor,
        verb=Verb.ASSESSMENT_SAVED,
        object_type="assessment",
        object_id=locked.pk,
        child_id=locked.case.child_id,
        changes=audit_changes,
    )
    return locked


def assessment_missing(assessment: Assessment) -> list[dict[str, str]]:
    """What still stops a submit: each unanswered item by label, then the child's views."""
    instrument = instrument_of(assessment)
    missing = [
        {
            "item": item.code,
            "part": (part.code if (part := instrument.part_of(item.code)) else ""),
            "label": label(item.label),
        }
        for item in missing_items(instrument, assessment.answers)
    ]
    if not assessment.child_views.strip() and not assessment.scores.get(ABSENT_REASON, "").strip():
        missing.append(
            {
                "item": CHILD_VIEWS,
                "part": "",
                "label": _("儿童本人的意见（或未能听取的原因）"),
            }
        )
    return missing


@transaction.atomic
def assessment_submit(*, actor: Any, assessment: Assessment, expected_version: int) -> Assessment:
    """Score a complete assessment and make it final; its grade or needs take effect."""
    locked = _locked(assessment, expected_version)
    _require_work(actor, locked.case)
    missing = assessment_missing(locked)
    if missing:
        raise AssessmentIncomplete(
            _("评估还没有填写完整，不能提交。还缺 %(n)s 项：%(items)s。")
            % {"n": len(missing), "items": "；".join(m["label"] for m in missing)},
            missing=missing,
        )
    instrument = instrument_of(locked)
    result = score(instrument, locked.answers)
    absent_reason = locked.scores.get(ABSENT_REASON, "")
    locked.scores = result.as_dict()
    if absent_reason and not locked.child_views.strip():
        locked.scores[ABSENT_REASON] = absent_reason
    locked.grade = result.grade or ""
    locked.needs = result.needs if instrument.kind != GUARDIANSHIP else []
    locked.status = Assessment.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["scores", "grade", "needs", "status", "submitted_at", "version"])
    audit_record(
        actor=actor,
        verb=Verb.ASSESSMENT_SUBMITTED,
        object_type="assessment",
        object_id=locked.pk,
        child_id=locked.case.child_id,
        changes={
            "status": [Assessment.Status.DRAFT, Assessment.Status.SUBMITTED],
            "instrument": instrument.ref,
            "grade": locked.grade,
            "needs": locked.needs,
        },
    )
    if instrument.kind == GUARDIANSHIP:
        _grade_takes_effect(actor, locked, instrument)
    else:
        _needs_take_effect(actor, locked, instrument)
    return locked


def _grade_takes_effect(actor: Any, assessment: Assessment, instrument: Instrument) -> None:
    from hehu.cases.services.casework import case_risk_refresh
    from hehu.registry.services.guardianship import child_guardianship_grade_set

    case = Case.objects.get(pk=assessment.case_id)
    child = Child.objects.get(pk=case.child_id)
    grade = assessment.grade
    child_guardianship_grade_set(
        actor=actor,
        child=child,
        grade=grade,
        reason=f"监护评估 {instrument.ref}（评估 {assessment.pk}）：{GRADE_LABELS[grade].zh}",
    )
    case_risk_refresh(case=case)
    if grade == "absent":
        today = timezone.localdate()
        days = procedure_value("absent_grade_alert_working_days", case.region_code, today)
        work_item_open(
            kind=WorkItem.Kind.GUARDIANSHIP_ABSENT,
            child_id=case.child_id,
            region_code=case.region_code,
            level=Level.COUNTY,
            due=working_days_after(today, days),
            rule=rule(
                f"监护评估为“监护缺失”：县级民政部门 {days} 个工作日内处置",
                f"guardianship assessed absent: county civil affairs acts within {days} "
                f"working days",
            ),
            object_type="assessment",
            object_id=assessment.pk,
            case_id=case.pk,
        )


def _needs_take_effect(actor: Any, assessment: Assessment, instrument: Instrument) -> None:
    from hehu.cases.services.cases import case_transition
    from hehu.registry.services.needs import NeedData, child_assessed_needs_set

    case = Case.objects.get(pk=assessment.case_id)
    child_assessed_needs_set(
        actor=actor,
        child=Child.objects.get(pk=case.child_id),
        needs=[
            NeedData(domain=n["domain"], level=n["level"], support=n["support"])
            for n in assessment.needs
        ],
        assessed_on=timezone.localdate(assessment.submitted_at),
        reason=f"需求评估 {instrument.ref}（评估 {assessment.pk}）",
    )
    reason = "需求评估已提交"
    if case.status == Case.Status.INTAKE:
        case = case_transition(
            actor=actor, case=case, to_status=Case.Status.ASSESSMENT, reason=reason
        )
    if case.status == Case.Status.ASSESSMENT:
        case_transition(actor=actor, case=case, to_status=Case.Status.PLANNING, reason=reason)
