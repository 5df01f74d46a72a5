"""A child who moves takes the case along: it belongs to the new village, with its history.

The case keeps its status, transitions, notes, visits, assessments and plans; its open work
items move to the bodies over the new village (a village's item to the new village, a
township's or county's item to the new township or county). Lists and work lists scope
by region code, so the new village's director sees the case at once and the old one no
longer does.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.errors import CaseClosed
from hehu.cases.levels import level_code
from hehu.cases.models import Case, Level, WorkItem
from hehu.core.errors import ValidationFailed
from hehu.regions.models import Region


@transaction.atomic
def case_transfer(*, actor: Any, case: Case, region: Region, reason: str = "") -> Case:
    """Move an open case (and its open work items) to the child's new village."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == Case.Status.CLOSED:
        raise CaseClosed(_("个案已结案，不随儿童迁移。"))
    if region.level != Region.Level.VILLAGE:
        raise ValidationFailed({"region": [_("个案只能迁移到一个村（社区）。")]})
    before = case.region_code
    if region.code == before:
        return case
    case.region = region
    case.region_code = region.code
    # The old village's director no longer answers for the case; the new one takes it up.
    case.worker = None
    case.version += 1
    case.save(update_fields=["region", "region_code", "worker", "version", "updated_at"])
    open_items = WorkItem.objects.filter(case_id=case.pk, status=WorkItem.Status.OPEN)
    moved = 0
    for level in Level.values:
        moved += open_items.filter(origin_level=level).update(
            region_code=level_code(level, region.code)
        )
    audit_record(
        actor=actor,
        verb=Verb.CASE_TRANSFERRED,
        object_type="case",
        object_id=case.pk,
        child_id=case.child_id,
        changes={"region_code": [before, region.code], "work_items": moved},
        reason=reason or _("儿童现居住地变更"),
    )
    return case
