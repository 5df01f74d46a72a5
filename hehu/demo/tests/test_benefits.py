"""The demo's benefit rolls (DEMO ONLY): made through the services, maker and checker apart."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import Anomaly, PaymentCycle
from hehu.benefits.tests.factories import classified_child
from hehu.demo.benefits import demo_benefits_create
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db


def test_it_makes_three_rolls_in_the_states_an_officer_meets():
    make_user(Role.COUNTY_CIVIL_AFFAIRS, "511502", username="county")
    make_user(Role.COUNTY_CIVIL_AFFAIRS, "511502", username="checker")
    for n in range(3):
        classified_child(["de_facto_unattended"], region=region(f"51150200100{n + 1}"))
    classified_child(["disabled_child"])

    made = demo_benefits_create(as_of=timezone.localdate())

    assert made["enrolled"] == 4
    assert made["accounts"] == 4
    statuses = list(PaymentCycle.objects.order_by("month").values_list("status", flat=True))
    assert statuses == ["reconciled", "approved", "generated"]
    oldest = PaymentCycle.objects.order_by("month").first()
    assert oldest.transfers.filter(status="failed").count() == 1
    assert oldest.transfers.filter(status="paid").count() == 3
    # The failure is carried into the current roll (the month before was approved already).
    current = PaymentCycle.objects.get(status="generated")
    carried = current.lines.filter(carried_from__isnull=False)
    failed = oldest.transfers.get(status="failed")
    assert set(carried.values_list("carried_from__transfer", flat=True)) == {failed.pk}
    approved = PaymentCycle.objects.filter(status="approved").first()
    assert approved.generated_by.username == "county"
    assert approved.approved_by.username == "checker"
    assert Anomaly.objects.filter(kind="no_verification_visit").count() == 4
    assert demo_benefits_create(as_of=timezone.localdate()) == {}
