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
    else:
        # Every page of a file names its regions and household: one join here saves a
        # query each when the file is loaded (prefetching skips relations already set).
        queryset = queryset.select_related("region", "hukou_region", "household")
    try:
        return queryset.get(pk=pk)
    except Child.DoesNotExist:
        raise Http404 from None
