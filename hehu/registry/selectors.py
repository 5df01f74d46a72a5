"""Every read of children that crosses a user's jurisdiction goes through here."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.registry.models import Child


def region_scope_q(prefixes: list[str], *, field: str = "region__code") -> Q:
    """A Q object for 'region code starts with one of these prefixes'.

    The empty prefix (national jurisdiction) matches everything; no prefixes match nothing.
    """
    if not prefixes:
        return Q(pk__in=[])
    if "" in prefixes:
        return Q()
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in prefixes))


def children_visible_to(*, user: Any) -> QuerySet[Child]:
    """The active children whose files this user may open: role permits, region in reach."""
    if not has_perm(user, Perm.VIEW_CHILD):
        return Child.objects.none()
    if user.role == Role.SOCIAL_WORKER:
        # Social workers see children referred to their organisation only (services issue).
        return Child.objects.none()
    return Child.objects.filter(region_scope_q(user.prefixes), status=Child.Status.ACTIVE)
