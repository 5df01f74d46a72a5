from __future__ import annotations

import pytest
from django.db import IntegrityError

from hehu.policy.models import ApprovedPolicyImmutable, PolicyVersion, source_sha256
from hehu.policy.tests.factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db


def test_it_keeps_the_sha256_of_the_source():
    version = PolicyVersionFactory(source="a: 1\n")

    assert version.sha256 == source_sha256("a: 1\n")
    assert version.ref == f"test-policy@{version.version}"


def test_it_lets_a_draft_change_its_text():
    version = PolicyVersionFactory(source="a: 1\n")

    version.source = "a: 2\n"
    version.save()

    version.refresh_from_db()
    assert version.source == "a: 2\n"


@pytest.mark.parametrize("status", [PolicyVersion.Status.APPROVED, PolicyVersion.Status.RETIRED])
def test_it_refuses_to_change_the_text_of_an_approved_version(status):
    version = PolicyVersionFactory(source="a: 1\n", status=status)

    version.source = "a: 2\n"
    with pytest.raises(ApprovedPolicyImmutable):
        version.save()

    version.refresh_from_db()
    assert version.source == "a: 1\n"


def test_it_lets_an_approved_version_be_retired():
    version = PolicyVersionFactory(status=PolicyVersion.Status.APPROVED)

    version.status = PolicyVersion.Status.RETIRED
    version.save()

    version.refresh_from_db()
    assert version.status == PolicyVersion.Status.RETIRED


def test_it_refuses_two_rows_for_one_version():
    PolicyVersionFactory(version="2026.1")

    with pytest.raises(IntegrityError):
        PolicyVersionFactory(version="2026.1")
