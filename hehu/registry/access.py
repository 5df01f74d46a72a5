"""Access to one child's file: 404 whether the file is hidden or missing, never 403."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to


def access_child_by_id(user: Any, child_id: int | str, *, for_update: bool = False) -> Child:
    try:
        pk = int(child_id)
    except (TypeError, ValueError):
        raise Http404 from None
    queryset = children_visible_to(user=user)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=pk)
    except Child.DoesNotExist:
        raise Http404 from None
