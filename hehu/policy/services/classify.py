"""Classifying one registered child, each time its file changes.

The registry says "child.changed" after it commits a change (hehu.core.events); the policy
app reacts by classifying the child under the policy in force and storing the result with
its reasons. Entries into and exits from categories are written as dated events: they are
the record of the computation (it is not a person reading a file, so nothing is audited
as a view).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ApplicationError
from hehu.core.events import CATEGORIES_ENTERED, publish_on_commit
from hehu.policy.engine.errors import PolicyError
from hehu.policy.engine.evaluate import classify
from hehu.policy.engine.result import Classification
from hehu.policy.models import CategoryEvent, ChildClassification, PolicyVersion
from hehu.policy.services.policies import Effective, policy_effective, policy_loaded
from hehu.registry.facts.export import child_to_facts
from hehu.registry.models import Child

logger = logging.getLogger(__name__)

Source = ChildClassification.Source


def policy_for_child(child: Child, *, on: dt.date | None = None) -> Effective:
    """The policy in force for the child's region on `on` (today by default)."""
    return policy_effective(region_code=child.region_id, on=on or timezone.localdate())


def child_evaluate(
    child: Child, *, as_of: dt.date | None = None, version: PolicyVersion | None = None
) -> tuple[Classification, PolicyVersion]:
    """The child's classification with reasons, computed now and not stored."""
    on = as_of or timezone.localdate()
    if version is None:
        effective = policy_for_child(child, on=on)
        policy, version = effective.policy, effective.version
    else:
        policy = policy_loaded(version)
    return classify(policy, child_to_facts(child), on), version


def child_classification_explained(
    child: Child,
) -> tuple[ChildClassification, dict[str, Any] | None] | None:
    """The child's stored classification and its explanation (`Classification.as_dict()`).

    A population run stores categories and clause masks only; its explanation is computed
    again by the one-child evaluator under the stored policy version and date, so it says
    exactly what the stored result says. None when the child was never classified; the
    explanation is None when the stored policy text no longer loads.
    """
    stored = ChildClassification.objects.select_related("policy_version").filter(child=child)
    found = stored.first()
    if found is None:
        return None
    if found.reasons is not None:
        return found, found.reasons
    try:
        result, _version = child_evaluate(child, as_of=found.as_of, version=found.policy_version)
    except (ApplicationError, PolicyError):
        return found, None
    return found, result.as_dict()


@transaction.atomic
def child_classify(
    *,
    child: Child,
    as_of: dt.date | None = None,
    source: str = Source.CHILD_CHANGE,
) -> ChildClassification | None:
    """Classify a child under the policy in force, store the result, record entries and exits.

    A file that is no longer active (merged into another, closed) leaves every category
    and keeps no classification; None is returned.
    """
    on = as_of or timezone.localdate()
    previous = ChildClassification.objects.select_for_update().filter(child=child).first()
    before = set(previous.categories) if previous is not None else set()
    if child.status != Child.Status.ACTIVE:
        if previous is not None:
            _record_changes(child, set(), before, on, previous.policy_version)
            previous.delete()
        return None
    result, version = child_evaluate(child, as_of=on)
    stored = ChildClassification(
        child=child,
        policy_version=version,
        as_of=on,
        computed_at=timezone.now(),
        categories=list(result.member_codes),
        masks={c.code: c.clause_mask for c in result.categories},
        umbrellas=list(result.umbrellas),
        signals=[signal.name for signal in result.signals],
        coverage_gap=result.coverage_gap,
        reasons=result.as_dict(),
        source=source,
    )
    stored.save(force_insert=previous is None, force_update=previous is not None)
    _record_changes(child, set(result.member_codes), before, on, version)
    return stored


@transaction.atomic
def child_reclassify(*, actor: Any, child: Child) -> ChildClassification | None:
    """Someone asked for the child to be classified again now: stored, and audited with
    the categories before and after (the system's own runs are recorded by their events)."""
    previous = ChildClassification.objects.filter(child=child).first()
    before = list(previous.categories) if previous is not None else []
    stored = child_classify(child=child, source=Source.MANUAL)
    after = list(stored.categories) if stored is not None else []
    audit_record(
        actor=actor,
        verb=Verb.CHILD_RECLASSIFIED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        changes={"categories": [before, after]} if before != after else {},
    )
    return stored


def _record_changes(
    child: Child, after: set[str], before: set[str], on: dt.date, version: PolicyVersion
) -> None:
    events = [
        CategoryEvent(
            child=child, category=code, kind=kind, on=on, policy_version=version, run=None
        )
        for codes, kind in (
            (sorted(after - before), CategoryEvent.Kind.ENTERED),
            (sorted(before - after), CategoryEvent.Kind.EXITED),
        )
        for code in codes
    ]
    CategoryEvent.objects.bulk_create(events)
    entered = sorted(after - before)
    if entered:
        # Casework reacts (a category that needs follow-up opens a case), after commit.
        publish_on_commit(
            CATEGORIES_ENTERED, child_id=child.pk, categories=entered, on=on.isoformat()
        )


def child_changed(*, child_id: int) -> None:
    """React to "child.changed": classify the child as of today (its file was committed)."""
    child = Child.objects.filter(pk=child_id).first()
    if child is None:
        return
    child_classify(child=child, source=Source.CHILD_CHANGE)
