"""Coverage gaps: children with a need signal and no category, within one's jurisdiction.

The stored classification marks them (`coverage_gap`, with the codes of the need signals
that held); the signals' labels come from the policy version that classified the child.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.policy.engine.errors import PolicyError
from hehu.policy.engine.model import Text
from hehu.policy.models import ChildClassification, PolicyVersion
from hehu.policy.services.policies import policies_in_force, policy_loaded
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to, region_scope_q

_SIGNAL_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_REGION_RE = re.compile(r"^\d{0,12}$")


def may_see_gaps(user: Any) -> bool:
    """The gap list is casework's (children to look at again): its signals include
    unsubstantiated protection concerns, which other departments' officers may not learn
    of (MPL art. 103)."""
    return has_perm(user, Perm.VIEW_CHILD) and has_perm(user, Perm.VIEW_CASE_NOTES)


def coverage_gaps_visible_to(*, user: Any, signal: str = "", region: str = "") -> QuerySet[Child]:
    """Children the user may open whose stored classification is a coverage gap, by region
    then name; `signal` keeps those showing that need signal, `region` a region prefix."""
    errors: dict[str, list[Any]] = {}
    if signal and not _SIGNAL_RE.match(signal):
        errors["signal"] = [_("需求信号代码无效")]
    if not _REGION_RE.match(region or ""):
        errors["region"] = [_("区划代码前缀应为不超过12位的数字")]
    if errors:
        raise ValidationFailed(errors)
    if not may_see_gaps(user):
        return Child.objects.none()
    children = children_visible_to(user=user).filter(classification__coverage_gap=True)
    if region:
        children = children.filter(region_scope_q([region], field="region_id"))
    if signal:
        # Codes are identifiers: the quoted code matches one element of the JSON list.
        children = children.filter(classification__signals__icontains=f'"{signal}"')
    return children.select_related("region", "classification__policy_version").order_by(
        "region_id", "name", "pk"
    )


def stored_classification(child: Child) -> ChildClassification:
    """The classification a child of `coverage_gaps_visible_to` was selected with."""
    classification: ChildClassification = child.classification
    return classification


def coverage_gap_count(*, user: Any) -> int:
    """How many children in the user's jurisdiction are coverage gaps (for the home page)."""
    return coverage_gaps_visible_to(user=user).count()


def need_signal_labels(versions: list[PolicyVersion] | None = None) -> dict[str, Text]:
    """Need signal code → its label, from these versions (default: the policies in force);
    a version whose text no longer loads is skipped (its codes are shown as they are)."""
    labels: dict[str, Text] = {}
    if versions is None:
        policy_set, _by_ref = policies_in_force()
        policies = policy_set.all()
    else:
        policies = []
        for version in {v.pk: v for v in versions}.values():
            try:
                policies.append(policy_loaded(version))
            except (ApplicationError, PolicyError):
                continue
    for policy in policies:
        for signal in policy.need_signals:
            labels.setdefault(signal.code, signal.label)
    return labels
