"""Access to one case: 404 whether the case is hidden or missing, never 403."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from hehu.cases.models import Case
from hehu.cases.selectors import cases_visible_to


def access_case_by_id(user: Any, case_id: int | str, *, for_update: bool = False) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    queryset = cases_visible_to(user=user)
    if for_update:
        queryset = queryset.select_for_update()
    else:
        queryset = queryset.select_related("child", "region", "worker")
    try:
        return queryset.get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None
