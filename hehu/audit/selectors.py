"""Reading the audit log: who may read which entries.

- An administrator (Perm.VIEW_AUDIT) reads the whole trail of a child whose region lies in
  their jurisdiction, and searches every entry within it.
- A township supervisor or county civil-affairs officer (Perm.VIEW_ACCESS_LOG) sees who
  *read* the files they can open themselves ("who viewed this file"), nothing else.
- Everyone else: the trail does not exist for them (404, as for a hidden file).

Access to minors' data is logged and the log is read only by those who need it (Minors'
Online Protection Regulations art. 36, PIPL art. 31).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from hehu.accounts.models import Jurisdiction
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import AuditEntry, Verb
from hehu.registry.access import access_child_by_id
from hehu.registry.models import Child
from hehu.registry.selectors import region_scope_q

# Reads of a child's file: what "who viewed this file" shows.
READ_VERBS = (
    Verb.CHILD_VIEWED,
    Verb.CHILD_ID_REVEALED,
    Verb.CHILD_EXPORTED,
    Verb.PROTECTION_VIEWED,
    Verb.REPORT_VIEWED,
)
# Merges can chain (A into B, B into C); follow them this far, far beyond any real file.
_MAX_MERGE_DEPTH = 20


@dataclass(frozen=True)
class AuditFilters:
    """The audit search form and the API's query parameters, parsed."""

    actor: str = ""
    verb: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    child_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters that were set, JSON-ready (recorded with the AUDIT_VIEWED entry)."""
        raw = {
            "actor": self.actor,
            "verb": self.verb,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "child": self.child_id,
        }
        return {key: value for key, value in raw.items() if value not in (None, "")}


def _as_pk(child_id: object) -> int:
    try:
        return int(str(child_id))
    except (TypeError, ValueError):
        raise Http404 from None


def _child_in_reach(user: Any, pk: int) -> bool:
    # Any status: the trail of a merged or closed file stays readable for the administrator.
    return Child.objects.filter(region_scope_q(user.prefixes), pk=pk).exists()


def _with_merged(pk: int) -> list[int]:
    """The child and every file merged into it, so a merge loses nothing from the trail."""
    ids, frontier = [pk], [pk]
    for _ in range(_MAX_MERGE_DEPTH):
        frontier = list(
            Child.objects.filter(merged_into__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if not frontier:
            break
        ids.extend(frontier)
    return ids


def audit_trail_for_child(*, user: Any, child_id: object) -> QuerySet[AuditEntry]:
    """A child's audit trail as this user may read it, newest first; Http404 otherwise."""
    pk = _as_pk(child_id)
    if has_perm(user, Perm.VIEW_AUDIT) and _child_in_reach(user, pk):
        verbs: tuple[Verb, ...] | None = None
    elif has_perm(user, Perm.VIEW_ACCESS_LOG):
        access_child_by_id(user, pk)  # raises Http404 when hidden or missing
        verbs = READ_VERBS
    else:
        raise Http404
    entries = AuditEntry.objects.filter(child_id__in=_with_merged(pk))
    if verbs is not None:
        entries = entries.filter(verb__in=verbs)
    return entries.select_related("actor").order_by("-at", "-id")


def trail_is_complete(*, user: Any) -> bool:
    """True when the user reads whole trails (administrator), False for reads only."""
    return has_perm(user, Perm.VIEW_AUDIT)


def _jurisdiction_q(user: Any) -> Q:
    """Entries an administrator may search: about a child in reach, or — for entries about
    no child (accounts, region tables) — made by an account working inside their reach."""
    prefixes = list(user.prefixes)
    if "" in prefixes:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    children = Child.objects.filter(region_scope_q(prefixes)).values("pk")
    inside = reduce(or_, (Q(prefix__startswith=p) for p in prefixes))
    accounts = Jurisdiction.objects.filter(inside).values("user_id")
    return Q(child_id__in=children) | Q(child_id__isnull=True, actor_id__in=accounts)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def apply_filters(entries: QuerySet[AuditEntry], filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Narrow entries by actor username, verb and local calendar days (both ends included)."""
    if filters.actor:
        entries = entries.filter(actor__username=filters.actor)
    if filters.verb:
        entries = entries.filter(verb=filters.verb)
    # Whole days in local time, as bounds on `at` itself so its index serves the range.
    if filters.date_from:
        entries = entries.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return entries


def audit_search(*, user: Any, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The administrator's search over every entry in their jurisdiction, newest first."""
    if not has_perm(user, Perm.VIEW_AUDIT):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.filter(_jurisdiction_q(user))
    if filters.child_id is not None:
        entries = entries.filter(child_id=filters.child_id)
    return apply_filters(entries, filters).select_related("actor").order_by("-at", "-id")
