"""The assessed needs of a child's file, set from a submitted needs assessment.

The needs are a fact of the child (DOMAIN.md §11 `assessed_needs`): the latest submitted
needs assessment replaces the whole set, so a need the new assessment no longer finds is
gone. The change is audited as a change of the file and announced with CHILD_CHANGED after
commit, so the policy engine reclassifies the child.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.core.events import CHILD_CHANGED, publish_on_commit
from hehu.registry.models import AssessedNeed, Child
from hehu.registry.services._common import require_visible


@dataclass(frozen=True)
class NeedData:
    domain: str
    level: str
    support: str


def _problems(needs: Sequence[NeedData], assessed_on: dt.date | None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, need in enumerate(needs):
        path = f"assessed_needs[{i}]"
        if need.domain not in AssessedNeed.Domain.values:
            problems.setdefault(f"{path}.domain", []).append(_("需求领域不正确：%s") % need.domain)
        elif need.domain in seen:
            problems.setdefault(f"{path}.domain", []).append(_("需求领域重复：%s") % need.domain)
        seen.add(need.domain)
        if need.level not in AssessedNeed.Level.values:
            problems.setdefault(f"{path}.level", []).append(_("需求程度不正确：%s") % need.level)
        if need.support not in AssessedNeed.Support.values:
            problems.setdefault(f"{path}.support", []).append(
                _("支持方式不正确：%s") % need.support
            )
    if assessed_on is None and needs:
        problems.setdefault("assessed_on", []).append(_("请填写评估日期"))
    return problems


def needs_of(child: Child) -> list[dict[str, str]]:
    """The child's assessed needs as stored, in domain order: [{domain, level, support}]."""
    order = {code: i for i, code in enumerate(AssessedNeed.Domain.values)}
    rows = sorted(child.assessed_needs.all(), key=lambda n: order.get(n.domain, 99))
    return [{"domain": n.domain, "level": n.level, "support": n.support} for n in rows]


@transaction.atomic
def child_assessed_needs_set(
    *,
    actor: Any,
    child: Child,
    needs: Sequence[NeedData],
    assessed_on: dt.date,
    reason: str,
) -> Child:
    """Replace the child's assessed needs with those of a submitted needs assessment."""
    if not (has_perm(actor, Perm.EDIT_CHILD) or has_perm(actor, Perm.WORK_CASE)):
        raise PermissionRefused(_("您的账号没有执行此操作的权限"))
    require_visible(actor, child)
    problems = _problems(needs, assessed_on)
    if problems:
        raise ValidationFailed(problems)
    locked = Child.objects.select_for_update().get(pk=child.pk)
    before = needs_of(locked)
    before_dates = sorted({n.assessed_on for n in locked.assessed_needs.all()})
    AssessedNeed.objects.filter(child=locked).delete()
    AssessedNeed.objects.bulk_create(
        AssessedNeed(
            child=locked,
            domain=n.domain,
            level=n.level,
            support=n.support,
            assessed_on=assessed_on,
        )
        for n in needs
    )
    after = needs_of(locked)
    if before == after and (not after or before_dates == [assessed_on]):
        return locked
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHILD_UPDATED,
        object_type="child",
        object_id=locked.pk,
        child_id=locked.pk,
        changes={"assessed_needs": [before, after], "assessed_on": assessed_on.isoformat()},
        reason=reason.strip(),
    )
    publish_on_commit(CHILD_CHANGED, child_id=locked.pk)
    return locked
