"""Reading stored policy versions, classifications, category events and runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from hehu.policy.models import CategoryEvent, ChildClassification, PolicyVersion, PopulationRun
from hehu.registry.models import Child


def classification_for_child(child: Child) -> ChildClassification | None:
    """The child's current stored classification, or None when never classified."""
    return ChildClassification.objects.select_related("policy_version").filter(child=child).first()


def category_events_for_child(child: Child) -> QuerySet[CategoryEvent]:
    """The child's entries into and exits from categories, latest first."""
    return CategoryEvent.objects.filter(child=child).select_related("policy_version", "run")


def category_events_between(
    *, category: str, start: dt.date, end: dt.date
) -> QuerySet[CategoryEvent]:
    """Entries and exits of one category dated within [start, end]."""
    return CategoryEvent.objects.filter(category=category, on__gte=start, on__lte=end)


def policy_versions(*, status: str | None = None) -> QuerySet[PolicyVersion]:
    queryset = PolicyVersion.objects.all()
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def policy_version_by_ref(ref: str) -> PolicyVersion | None:
    """'id@version' → the stored version, or None."""
    policy_id, _, version = ref.partition("@")
    return PolicyVersion.objects.filter(policy_id=policy_id, version=version).first()


def approved_policy_versions() -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(status=PolicyVersion.Status.APPROVED)


def population_runs() -> QuerySet[PopulationRun]:
    return PopulationRun.objects.select_related("policy_version", "requested_by")
