from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.core.events import CHILD_CHANGED, subscribers
from hehu.policy.models import CategoryEvent, ChildClassification, PolicyVersion
from hehu.policy.services import (
    NoPolicyInEffect,
    ShippedPolicyConflict,
    child_changed,
    child_classify,
    policies_sync_shipped,
)
from hehu.registry.data import ParentData
from hehu.registry.services import child_register, child_update, children_merge
from hehu.registry.tests.factories import child_data, full_child_data, replace

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 1)
ORPHAN_PARENTS = [
    ParentData(role="father", vital_status="dead"),
    ParentData(role="mother", vital_status="dead"),
]


def test_it_syncs_the_shipped_policies_once_as_approved():
    added = policies_sync_shipped()

    national = PolicyVersion.objects.get(policy_id="cn-national", version="2026.1")
    assert "cn-national@2026.1" in added
    assert national.status == PolicyVersion.Status.APPROVED
    assert national.shipped
    assert national.source == Path("policies/cn-national.yaml").read_text(encoding="utf-8")
    assert AuditEntry.objects.filter(verb=Verb.POLICY_SYNCED).count() == 1

    assert policies_sync_shipped() == []
    assert AuditEntry.objects.filter(verb=Verb.POLICY_SYNCED).count() == 1


def test_it_refuses_a_shipped_file_that_rewrites_an_approved_version(tmp_path):
    policies_sync_shipped()
    text = Path("policies/cn-national.yaml").read_text(encoding="utf-8")
    (tmp_path / "cn-national.yaml").write_text(text + "\n# edited\n", encoding="utf-8")

    with pytest.raises(ShippedPolicyConflict, match="cn-national@2026.1"):
        policies_sync_shipped(directory=tmp_path)

    assert PolicyVersion.objects.get(policy_id="cn-national").source == text


def test_it_classifies_a_child_and_records_its_entry(county_officer):
    child = child_register(actor=county_officer, data=child_data(parents=ORPHAN_PARENTS))

    stored = child_classify(child=child, as_of=AS_OF)

    assert stored is not None
    assert "orphan" in stored.categories
    assert stored.policy_version.ref == "cn-national@2026.1"  # synced lazily
    assert stored.reasons is not None
    assert stored.reasons["policy"] == "cn-national@2026.1"
    assert stored.masks["orphan"] == (1 << len(stored.reasons["categories"][0]["reasons"])) - 1
    assert "guardianship" in stored.umbrellas
    events = CategoryEvent.objects.filter(child=child)
    assert {(e.category, e.kind, e.on) for e in events} == {
        (code, CategoryEvent.Kind.ENTERED, AS_OF) for code in stored.categories
    }


def test_it_records_exits_and_entries_when_the_categories_change(county_officer):
    data = child_data(parents=ORPHAN_PARENTS)
    child = child_register(actor=county_officer, data=data)
    child_classify(child=child, as_of=AS_OF)
    alive = [ParentData(role="father"), ParentData(role="mother")]
    child = child_update(
        actor=county_officer,
        child=child,
        data=replace(data, parents=alive),
        expected_version=child.version,
    )

    stored = child_classify(child=child, as_of=AS_OF + dt.timedelta(days=1))

    assert stored is not None
    assert "orphan" not in stored.categories
    exit_ = CategoryEvent.objects.get(child=child, category="orphan", kind="exited")
    assert exit_.on == AS_OF + dt.timedelta(days=1)
    assert ChildClassification.objects.filter(child=child).count() == 1


def test_it_records_nothing_when_the_categories_stay_the_same(county_officer):
    child = child_register(actor=county_officer, data=full_child_data())
    child_classify(child=child, as_of=AS_OF)
    events = CategoryEvent.objects.count()

    child_classify(child=child, as_of=AS_OF)

    assert CategoryEvent.objects.count() == events


def test_it_refuses_a_date_no_policy_covers(county_officer):
    child = child_register(actor=county_officer, data=child_data())

    with pytest.raises(NoPolicyInEffect):
        child_classify(child=child, as_of=dt.date(2010, 1, 1))

    assert not ChildClassification.objects.filter(child=child).exists()


def test_it_classifies_a_child_after_each_committed_change(
    county_officer, django_capture_on_commit_callbacks
):
    assert child_changed in subscribers(CHILD_CHANGED)

    with django_capture_on_commit_callbacks(execute=True):
        child = child_register(actor=county_officer, data=child_data(parents=ORPHAN_PARENTS))

    stored = ChildClassification.objects.get(child=child)
    assert "orphan" in stored.categories
    assert stored.source == ChildClassification.Source.CHILD_CHANGE


def test_it_takes_a_merged_file_out_of_its_categories(
    county_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        keep = child_register(actor=county_officer, data=child_data(parents=ORPHAN_PARENTS))
        dup = child_register(
            actor=county_officer,
            data=child_data(name="王晓花", parents=ORPHAN_PARENTS),
            confirm_not_duplicate=True,
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        children_merge(actor=county_officer, survivor=keep, duplicate=dup, reason="同一儿童")

    assert len(callbacks) == 2
    assert not ChildClassification.objects.filter(child=dup).exists()
    assert CategoryEvent.objects.filter(child=dup, category="orphan", kind="exited").exists()
    assert "orphan" in ChildClassification.objects.get(child=keep).categories
