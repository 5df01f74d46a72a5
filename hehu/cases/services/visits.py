"""Home visits: when the next one is due, and recording one (34号).

The interval is a procedure parameter by risk (monthly for high risk, quarterly otherwise
by default); the first visit of a case is due a few working days after it opens (one for
an emergency). Each scheduled visit has one open work item; recording the visit stops it
and schedules the next.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.clocks import Due, months_deadline, working_days_after, working_days_between
from hehu.cases.errors import CaseClosed
from hehu.cases.models import Case, Level, Visit, VisitPhoto, WorkItem
from hehu.cases.procedures import procedure_value
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.workitems import rule, work_item_open, work_items_done
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.core.events import SUPPORT_NOT_REACHED, publish_on_commit
from hehu.registry.services.attachments import sniff_type

K = WorkItem.Kind


def visit_interval(*, case: Case, on: dt.date) -> tuple[int, dict[str, str]]:
    """Months between visits for this case now, with the reason (zh/en)."""
    if case.risk == Case.Risk.HIGH:
        months = procedure_value("visit_interval_months_high_risk", case.region_code, on)
        return months, rule(
            f"高风险：每 {months} 个月走访一次", f"high risk: every {months} month(s)"
        )
    months = procedure_value("visit_interval_months", case.region_code, on)
    why = rule(f"一般：每 {months} 个月走访一次", f"normal risk: every {months} month(s)")
    return months, why


def _schedule(case: Case, due: Due, why: dict[str, str]) -> Visit:
    """One scheduled visit per case: move the existing one, or create it, with its clock."""
    visit = Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).first()
    if visit is None:
        visit = Visit.objects.create(case=case, due_on=due.on, schedule_reason=why)
    else:
        visit.due_on, visit.schedule_reason = due.on, why
        visit.save(update_fields=["due_on", "schedule_reason"])
    item = WorkItem.objects.filter(
        object_type="visit", object_id=visit.pk, status=WorkItem.Status.OPEN
    ).first()
    if item is None:
        work_item_open(
            kind=K.VISIT,
            child_id=case.child_id,
            region_code=case.region_code,
            level=Level.VILLAGE,
            due=due,
            rule=why,
            object_type="visit",
            object_id=visit.pk,
            case_id=case.pk,
        )
    else:
        item.due_on, item.provisional, item.rule = due.on, due.provisional, why
        item.save(update_fields=["due_on", "provisional", "rule"])
    return visit


def visit_schedule_first(*, case: Case) -> Visit:
    """The first visit of a new case: within a few working days of opening."""
    today = timezone.localdate()
    name = "emergency_visit_working_days" if case.emergency else "first_visit_working_days"
    days = procedure_value(name, case.region_code, today)
    why = rule(f"开案后 {days} 个工作日内首次走访", f"first visit within {days} working day(s)")
    return _schedule(case, working_days_after(today, days), why)


def visit_schedule_next(*, case: Case, after: dt.date) -> Visit:
    """The visit after one made on `after`, at the case's current interval."""
    months, why = visit_interval(case=case, on=after)
    return _schedule(case, months_deadline(after, months), why)


def visit_reschedule(*, case: Case) -> Visit | None:
    """The risk changed: the scheduled visit moves to the new interval from the last one."""
    last = (
        Visit.objects.filter(case=case, status=Visit.Status.DONE)
        .order_by("-visited_on")
        .values_list("visited_on", flat=True)
        .first()
    )
    if last is None:
        return None  # the first visit's deadline stands
    months, why = visit_interval(case=case, on=timezone.localdate())
    due = months_deadline(last, months)
    scheduled = Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).first()
    if scheduled is not None and scheduled.due_on <= due.on:
        return scheduled  # never push a due visit later
    return _schedule(case, due, why)


# -- recording a visit ------------------------------------------------------------------------

NOTES_MAX_CHARS = 5000
SUPPORT_NOTE_MAX_CHARS = 300
REASON_MAX_CHARS = 200
TOKEN_MAX_CHARS = 64
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Photos are taken by a phone's camera: JPEG, PNG or WebP, told by their first bytes.
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


class VisitTokenReused(ApplicationError):
    """A client token already used for a visit of another case (a client bug, not a retry)."""

    code = "visit_token_reused"
    status = 409


def visit_requires_report(visit: Visit) -> bool:
    """Danger seen, or the child not seen: the director must act at once (34号, CRO)."""
    return visit.status == Visit.Status.DONE and (
        visit.safety == Visit.Safety.DANGER or visit.child_seen is False
    )


def visit_by_token(*, case: Case, client_token: str | None) -> Visit | None:
    """The visit of this case already recorded with this client token, if any."""
    token = (client_token or "").strip()
    return Visit.objects.filter(case=case, client_token=token).first() if token else None


def visits_scheduled_visible_to(*, user: Any) -> QuerySet[Visit]:
    """The visits due in the cases a user may see, overdue first then by due date; each
    annotated `first` when its case has no visit made yet (a working-day deadline)."""
    done = Visit.objects.filter(case=OuterRef("case"), status=Visit.Status.DONE)
    return (
        Visit.objects.filter(
            case__in=cases_visible_to(user=user).exclude(status=Case.Status.CLOSED),
            status=Visit.Status.SCHEDULED,
        )
        .annotate(first=~Exists(done))
        .select_related("case", "case__child", "case__region")
        .order_by("due_on", "id")
    )


@dataclass(frozen=True)
class DueVisit:
    """A scheduled visit as shown beside its date: days left or overdue, and its rule."""

    visit: Visit
    days_left: int
    overdue_days: int
    working_days: bool

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def rule(self) -> str:
        """The rule that set the date, in the current language."""
        reason = self.visit.schedule_reason or {}
        return str(reason.get("zh" if _chinese() else "en") or reason.get("zh", ""))


def visit_due(visit: Visit, *, first: bool, today: dt.date) -> DueVisit:
    """Days left or overdue. The first visit of a case counts working days (its rule is in
    working days); later ones follow a month interval and count calendar days. Overdue is
    always in calendar days."""
    overdue = max((today - visit.due_on).days, 0)
    if overdue:
        left = 0
    elif first:
        left = working_days_between(today, visit.due_on)
    else:
        left = (visit.due_on - today).days
    return DueVisit(visit, left, overdue, first)


def _choice(errors: dict[str, list[Any]], name: str, value: str, choices: Any, missing: str) -> str:
    value = (value or "").strip()
    if value not in choices.values:
        errors[name] = [missing]
    return value


def _check_photos(photos: Sequence[File[bytes]], errors: dict[str, list[Any]]) -> list[str]:
    """The sniffed type of each photo; problems go to errors["photos"], one per photo."""
    problems: list[Any] = []
    if len(photos) > MAX_PHOTOS:
        problems.append(
            _("每次走访最多上传 %(max)s 张照片（选择了 %(n)s 张），请删去一些再提交。")
            % {"max": MAX_PHOTOS, "n": len(photos)}
        )
    kinds: list[str] = []
    for number, photo in enumerate(photos, start=1):
        label = _("第 %(n)s 张照片") % {"n": number}
        size = photo.size or 0
        if size == 0:
            problems.append(_("%(photo)s是空文件，请重新拍摄或选择。") % {"photo": label})
            continue
        if size > MAX_PHOTO_BYTES:
            problems.append(
                _("%(photo)s超过 10MB（约 %(mb).1fMB），请降低相机分辨率后重新拍摄。")
                % {"photo": label, "mb": size / 2**20}
            )
            continue
        photo.seek(0)
        detected = sniff_type(photo.read(16))
        photo.seek(0)
        if detected is None or detected[1] not in PHOTO_TYPES:
            problems.append(
                _("%(photo)s不是 JPG、PNG 或 WEBP 格式的图片，请重新选择。") % {"photo": label}
            )
            continue
        kinds.append(detected[1])
    if problems:
        errors["photos"] = problems
    return kinds


def _check_visited_on(
    case: Case, visited_on: dt.date | None, today: dt.date, errors: dict[str, list[Any]]
) -> None:
    opened = timezone.localdate(case.opened_at)
    if visited_on is None:
        errors["visited_on"] = [_("请填写走访日期。")]
    elif visited_on > today:
        errors["visited_on"] = [
            _("走访日期不能晚于今天（%(today)s），请填写实际走访的日期。")
            % {"today": _zh_date(today)}
        ]
    elif visited_on < opened:
        errors["visited_on"] = [
            _("走访日期不能早于开案日期（%(opened)s），请核对日期。") % {"opened": _zh_date(opened)}
        ]


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if _chinese() else day.isoformat()


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    case: Case,
    visited_on: dt.date | None,
    child_seen: bool | None,
    not_seen_reason: str,
    living_conditions: str,
    safety: str,
    schooling: str,
    health: str,
    notes: str,
    photos: Sequence[File[bytes]] = (),
    client_token: str | None = None,
    support_reached: str = "",
    support_note: str = "",
) -> Visit:
    """Record a home visit: the due visit is done, its clock stops, the next one is due.

    `support_reached` verifies fund use (DOMAIN.md §5): whether the cash and in-kind support
    reached the child (blank: not checked); "not reached" or "partly" needs a note, and
    puts an anomaly on the county's work list (hehu.benefits, through an event)."""
    if not has_perm(actor, Perm.WORK_CASE):
        raise PermissionRefused(_("您的账号不能记录走访。"))
    if not cases_visible_to(user=actor).filter(pk=case.pk).exists():
        raise PermissionRefused(_("这个个案不在您的管辖范围内。"))
    # One visit at a time per case: a retried submit waits for the first and finds it.
    case = Case.objects.select_for_update().get(pk=case.pk)
    token = (client_token or "").strip() or None
    if token is not None:
        if len(token) > TOKEN_MAX_CHARS:
            raise ValidationFailed({"client_token": [_("提交标识过长，请刷新页面后重新填写。")]})
        earlier = Visit.objects.filter(client_token=token).first()
        if earlier is not None:
            if earlier.case_id != case.pk:
                raise VisitTokenReused(
                    _("这个提交标识已用于另一个个案的走访，请刷新页面后重新填写。"),
                    field="client_token",
                )
            return earlier  # the same submit again (a weak connection): nothing twice
    if not case.is_open:
        raise CaseClosed(_("个案已结案，不能再记录走访；如需继续服务请重新开案。"))

    today = timezone.localdate()
    errors: dict[str, list[Any]] = {}
    _check_visited_on(case, visited_on, today, errors)
    reason = (not_seen_reason or "").strip()
    if child_seen is None:
        errors["child_seen"] = [_("请选择是否见到儿童本人。")]
    elif child_seen:
        reason = ""
    elif not reason:
        errors["not_seen_reason"] = [
            _("没有见到儿童本人时，请写明原因（例如：上学未归、随父母外出）。")
        ]
    if len(reason) > REASON_MAX_CHARS:
        errors["not_seen_reason"] = [
            _("未见到的原因不能超过 %(max)s 个字。") % {"max": REASON_MAX_CHARS}
        ]
    values = {
        "living_conditions": _choice(
            errors,
            "living_conditions",
            living_conditions,
            Visit.Conditions,
            _("请选择生活状况。"),
        ),
        "safety": _choice(errors, "safety", safety, Visit.Safety, _("请选择安全状况。")),
        "schooling": _choice(
            errors, "schooling", schooling, Visit.Schooling, _("请选择就学状况。")
        ),
        "health": _choice(errors, "health", health, Visit.Health, _("请选择健康状况。")),
    }
    support_note = (support_note or "").strip()
    if support_reached and support_reached not in Visit.Support.values:
        errors["support_reached"] = [_("请选择待遇是否到达儿童。")]
    elif support_reached in (Visit.Support.NOT_REACHED, Visit.Support.PARTLY) and not support_note:
        errors["support_note"] = [_("待遇没有全部到达儿童时，请写明情况（例如：监护人挪作他用）。")]
    if len(support_note) > SUPPORT_NOTE_MAX_CHARS:
        errors["support_note"] = [
            _("待遇核实情况不能超过 %(max)s 个字。") % {"max": SUPPORT_NOTE_MAX_CHARS}
        ]
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_CHARS:
        errors["notes"] = [
            _("走访记录不能超过 %(max)s 个字（现有 %(n)s 个字），请精简。")
            % {"max": NOTES_MAX_CHARS, "n": len(notes)}
        ]
    kinds = _check_photos(photos, errors)
    if errors or visited_on is None:
        raise ValidationFailed(errors)

    last_done = (
        Visit.objects.filter(case=case, status=Visit.Status.DONE)
        .order_by("-visited_on")
        .values_list("visited_on", flat=True)
        .first()
    )
    # A visit entered late, older than the last one recorded, does not move the schedule.
    late_entry = last_done is not None and visited_on < last_done
    visit = None
    if not late_entry:
        visit = (
            Visit.objects.select_for_update()
            .filter(case=case, status=Visit.Status.SCHEDULED)
            .first()
        )
    if visit is None:
        visit = Visit(
            case=case,
            due_on=visited_on,
            schedule_reason=rule("未排期的走访", "an unscheduled visit"),
        )
    visit.status = Visit.Status.DONE
    visit.visited_on = visited_on
    visit.recorded_by = actor
    visit.recorded_at = timezone.now()
    visit.child_seen = child_seen
    visit.not_seen_reason = reason
    visit.living_conditions = values["living_conditions"]
    visit.safety = values["safety"]
    visit.schooling = values["schooling"]
    visit.health = values["health"]
    visit.notes = notes
    visit.support_reached = support_reached or ""
    visit.support_note = support_note
    visit.client_token = token
    visit.save()
    if visit.support_reached in (Visit.Support.NOT_REACHED, Visit.Support.PARTLY):
        publish_on_commit(SUPPORT_NOT_REACHED, visit_id=visit.pk, child_id=case.child_id)
    work_items_done(object_type="visit", object_id=visit.pk, kinds=[K.VISIT])
    if child_seen:
        # A visit that saw the child is the follow-up a placement or a return asked for
        # (MPL art. 93): those clocks stop with it.
        WorkItem.objects.filter(
            kind=K.PLACEMENT_FOLLOWUP,
            child_id=case.child_id,
            status=WorkItem.Status.OPEN,
            created_at__date__lte=visited_on,
        ).update(status=WorkItem.Status.DONE, done_at=timezone.now())
    for photo, content_type in zip(photos, kinds, strict=True):
        stored = VisitPhoto(visit=visit, content_type=content_type, size=photo.size or 0)
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[content_type]
        # A generated name: the phone's file name may carry a place or a person's name.
        stored.file.save(f"{uuid.uuid4().hex}.{extension}", photo, save=False)
        stored.save()
    next_visit = None
    if not late_entry:
        from hehu.cases.services.casework import case_risk_refresh

        # The interval follows the risk now (a category or grade may have changed).
        case_risk_refresh(case=case)
        next_visit = visit_schedule_next(case=case, after=visited_on)
    audit_record(
        actor=actor,
        verb=Verb.VISIT_RECORDED,
        object_type="visit",
        object_id=visit.pk,
        child_id=case.child_id,
        changes={
            "case": case.pk,
            "visited_on": visited_on.isoformat(),
            "child_seen": child_seen,
            "safety": values["safety"],
            "living_conditions": values["living_conditions"],
            "schooling": values["schooling"],
            "health": values["health"],
            "support_reached": visit.support_reached,
            "photos": len(kinds),
            "next_due_on": next_visit.due_on.isoformat() if next_visit else None,
        },
        reason=reason,
    )
    return visit
