"""Case records (个案记录) and referrals of a case to a contracted social organisation.

A case record is sensitive: only the roles that work the case read and write it (Perm.
VIEW_CASE_NOTES / ADD_CASE_NOTE); its text never goes into the audit log, only that it was
written. A referral lets the organisation's social workers see the case and add records
(hehu.cases.selectors.cases_visible_to) until it ends; one active referral per
organisation.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Organisation
from hehu.accounts.permissions import Perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.errors import CaseClosed
from hehu.cases.models import Case, CaseNote, CaseReferral
from hehu.cases.services.case_actions import require_case_perm, require_case_visible
from hehu.core.errors import ApplicationError, ValidationFailed

NOTE_MAX = 5000
REFERRAL_NOTE_MAX = 1000


class ReferralAlreadyActive(ApplicationError):
    code = "referral_already_active"
    status = 409


class ReferralEnded(ApplicationError):
    code = "referral_ended"
    status = 409


def _require_open(case: Case, message: str) -> None:
    if case.status == Case.Status.CLOSED:
        raise CaseClosed(message)


@transaction.atomic
def case_note_add(*, actor: Any, case: Case, text: str) -> CaseNote:
    """Write a case record (what was done, seen, agreed); its text stays out of the audit."""
    require_case_perm(actor, Perm.ADD_CASE_NOTE)
    require_case_visible(actor, case)
    _require_open(case, _("个案已结案，不能再添加个案记录；如需继续服务请重新开案。"))
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": [_("请填写个案记录的内容。")]})
    if len(text) > NOTE_MAX:
        raise ValidationFailed(
            {
                "text": [
                    _("个案记录不能超过 %(max)d 个字（现有 %(n)d 个字），请分成几条记录。")
                    % {"max": NOTE_MAX, "n": len(text)}
                ]
            }
        )
    note = CaseNote.objects.create(case=case, author=actor, at=timezone.now(), text=text)
    audit_record(
        actor=actor,
        verb=Verb.CASE_NOTE_ADDED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"note": note.pk, "length": len(text)},
    )
    return note


def organisations_for_case(case: Case) -> QuerySet[Organisation]:
    """Organisations a case may be referred to: those of its county, or of the city or
    province above it (contracts are let by county and city civil affairs)."""
    code = case.region_code
    above = [code[:4].ljust(12, "0"), code[:2].ljust(12, "0")]
    county_low, county_high = code[:6].ljust(12, "0"), code[:6].ljust(12, "9")
    return Organisation.objects.filter(
        Q(region_id__gte=county_low, region_id__lte=county_high) | Q(region_id__in=above)
    ).order_by("name")


@transaction.atomic
def case_refer(
    *, actor: Any, case: Case, organisation: Organisation, note: str = ""
) -> CaseReferral:
    """Refer the case to a social organisation: its social workers may then see it."""
    require_case_perm(actor, Perm.REFER_CASE)
    require_case_visible(actor, case)
    _require_open(case, _("个案已结案，不能再转介。"))
    if not organisations_for_case(case).filter(pk=organisation.pk).exists():
        raise ValidationFailed(
            {"organisation": [_("只能转介给本县或上级民政部门签约的社会组织。")]}
        )
    note = (note or "").strip()
    if len(note) > REFERRAL_NOTE_MAX:
        raise ValidationFailed(
            {"note": [_("转介说明不能超过 %(n)d 个字。") % {"n": REFERRAL_NOTE_MAX}]}
        )
    active = CaseReferral.objects.filter(
        case=case, organisation=organisation, status=CaseReferral.Status.ACTIVE
    )
    message = _("这个个案已转介给“%(org)s”，服务尚未结束。") % {"org": organisation.name}
    if active.exists():
        raise ReferralAlreadyActive(message, field="organisation")
    referral = CaseReferral(
        case=case,
        organisation=organisation,
        referred_by=actor,
        referred_at=timezone.now(),
        note=note,
    )
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        # A second referral raced past the check: the partial unique index refused it.
        raise ReferralAlreadyActive(message, field="organisation") from None
    audit_record(
        actor=actor,
        verb=Verb.CASE_REFERRED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"organisation": organisation.pk, "referral": referral.pk},
        reason=note,
    )
    return referral


@transaction.atomic
def case_referral_end(*, actor: Any, referral: CaseReferral, note: str = "") -> CaseReferral:
    """End a referral: the organisation's social workers no longer see the case."""
    require_case_perm(actor, Perm.REFER_CASE)
    require_case_visible(actor, referral.case)
    referral = CaseReferral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != CaseReferral.Status.ACTIVE:
        raise ReferralEnded(_("这项转介已经结束。"))
    referral.status = CaseReferral.Status.ENDED
    referral.ended_at = timezone.now()
    referral.save(update_fields=["status", "ended_at"])
    audit_record(
        actor=actor,
        verb=Verb.CASE_REFERRAL_ENDED,
        object_type="case",
        object_id=referral.case_id,
        child_id=referral.case.child_id,
        changes={
            "organisation": referral.organisation_id,
            "referral": referral.pk,
            "status": [CaseReferral.Status.ACTIVE, CaseReferral.Status.ENDED],
        },
        reason=(note or "").strip(),
    )
    return referral
