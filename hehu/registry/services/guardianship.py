"""The guardianship grade of a child's file, set from a submitted guardianship assessment.

The grade is a fact of the child (DOMAIN.md §11 `guardianship_grade`): changing it changes
the file, so it is audited as a change of the file and announced with CHILD_CHANGED after
commit, and the policy engine reclassifies the child (e.g. `guardianship_risk`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.core.events import CHILD_CHANGED, publish_on_commit
from hehu.registry.models import Child, GuardianshipGrade
from hehu.registry.services._common import require_visible


@transaction.atomic
def child_guardianship_grade_set(*, actor: Any, child: Child, grade: str, reason: str) -> Child:
    """Record the child's guardianship grade (absent/improper/insufficient/normal)."""
    if not (has_perm(actor, Perm.EDIT_CHILD) or has_perm(actor, Perm.WORK_CASE)):
        raise PermissionRefused(_("您的账号没有执行此操作的权限"))
    require_visible(actor, child)
    if grade not in GuardianshipGrade.values:
        raise ValidationFailed({"guardianship_grade": [_("监护评估等级不正确：%s") % grade]})
    locked = Child.objects.select_for_update().get(pk=child.pk)
    before = locked.guardianship_grade
    if before == grade:
        return locked
    locked.guardianship_grade = grade
    locked.version += 1
    locked.save(update_fields=["guardianship_grade", "version", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHILD_UPDATED,
        object_type="child",
        object_id=locked.pk,
        child_id=locked.pk,
        changes={"guardianship_grade": [before, grade]},
        reason=reason.strip(),
    )
    publish_on_commit(CHILD_CHANGED, child_id=locked.pk)
    return locked
