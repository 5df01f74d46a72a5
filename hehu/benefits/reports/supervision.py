"""Reading fund-use anomalies for the supervision pages and API (services resolve them).

Anomalies name children: only county civil affairs who handle benefits (MANAGE_BENEFITS)
read those of their counties; everyone else reaches none, and an anomaly outside one's
counties answers 404 like a missing one. A child named in the evidence (several children on
one account) is named only where the reader may open the file or the county pays the child
in the anomaly's roll.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.models import Anomaly, Transfer
from hehu.benefits.selectors import county_scope_q
from hehu.core.errors import ValidationFailed
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to

ALL = "all"


def anomalies_visible_to(*, user: Any) -> QuerySet[Anomaly]:
    """The anomalies of the counties whose benefits the user handles."""
    if not has_perm(user, Perm.MANAGE_BENEFITS):
        return Anomaly.objects.none()
    return Anomaly.objects.filter(county_scope_q(user.prefixes))


def _checked(kind: str, status: str) -> None:
    errors: dict[str, list[Any]] = {}
    if kind and kind not in Anomaly.Kind.values:
        errors["kind"] = [_("异常类型应为：%s") % "、".join(Anomaly.Kind.values)]
    if status and status != ALL and status not in Anomaly.Status.values:
        choices = [*Anomaly.Status.values, ALL]
        errors["status"] = [_("状态应为：%s") % "、".join(choices)]
    if errors:
        raise ValidationFailed(errors)


def anomaly_list(
    *, user: Any, kind: str = "", status: str = Anomaly.Status.OPEN, county: str = ""
) -> QuerySet[Anomaly]:
    """The user's anomalies, open ones by default (`status="all"`: every one), oldest found
    first among the open (the work list's order), latest first otherwise."""
    _checked(kind, status)
    anomalies = anomalies_visible_to(user=user)
    if status != ALL:
        anomalies = anomalies.filter(status=status or Anomaly.Status.OPEN)
    if kind:
        anomalies = anomalies.filter(kind=kind)
    if county:
        anomalies = anomalies.filter(county_code=county)
    order = ["found_at", "pk"] if status == Anomaly.Status.OPEN else ["-found_at", "-pk"]
    return anomalies.select_related("child", "cycle").order_by(*order)


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


def anomaly_kind_counts(*, user: Any, status: str = Anomaly.Status.OPEN) -> list[KindCount]:
    """How many of the user's anomalies there are of each kind (every kind listed)."""
    _checked("", status)
    anomalies = anomalies_visible_to(user=user)
    if status != ALL:
        anomalies = anomalies.filter(status=status or Anomaly.Status.OPEN)
    counts = dict(
        anomalies.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    kinds = Anomaly.Kind.choices
    return [KindCount(kind, str(label), counts.get(kind, 0)) for kind, label in kinds]


def access_anomaly_by_id(user: Any, anomaly_id: int | str) -> Anomaly:
    """An anomaly of the user's counties: 404 whether outside them or missing."""
    try:
        pk = int(anomaly_id)
    except (TypeError, ValueError):
        raise Http404 from None
    anomaly = (
        anomalies_visible_to(user=user)
        .select_related("child", "child__region", "cycle", "resolved_by")
        .filter(pk=pk)
        .first()
    )
    if anomaly is None:
        raise Http404
    return anomaly


@dataclass(frozen=True)
class NamedChild:
    id: int
    name: str  # "" where the reader may not be told who it is
    file_visible: bool  # the reader may open the child's file


@dataclass
class AnomalyDetail:
    anomaly: Anomaly
    children: list[NamedChild] = field(default_factory=list)  # the child, or those sharing
    transfer: Transfer | None = None  # the child's payment in the anomaly's roll
    facts: dict[str, Any] = field(default_factory=dict)


def anomaly_detail(*, user: Any, anomaly: Anomaly) -> AnomalyDetail:
    """What an anomaly's page shows: the evidence, the children it concerns, the payment."""
    facts = dict(anomaly.evidence.get("facts") or {})
    ids: list[int] = []
    if anomaly.child_id is not None:
        ids.append(anomaly.child_id)
    ids += [int(c) for c in facts.get("children", []) if str(c).isdigit() and int(c) not in ids]
    visible = set(children_visible_to(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    paid_here: set[int] = set()
    if anomaly.cycle_id is not None:
        paid_here = set(
            Transfer.objects.filter(cycle_id=anomaly.cycle_id, child_id__in=ids).values_list(
                "child_id", flat=True
            )
        )
    names = dict(Child.objects.filter(pk__in=ids).values_list("pk", "name"))
    children = [
        NamedChild(
            pk,
            names.get(pk, "") if pk == anomaly.child_id or pk in visible | paid_here else "",
            pk in visible,
        )
        for pk in ids
    ]
    transfer = None
    if anomaly.cycle_id is not None and anomaly.child_id is not None:
        transfer = Transfer.objects.filter(
            cycle_id=anomaly.cycle_id, child_id=anomaly.child_id
        ).first()
    return AnomalyDetail(anomaly=anomaly, children=children, transfer=transfer, facts=facts)
