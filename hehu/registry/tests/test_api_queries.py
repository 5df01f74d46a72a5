"""Queries per request of the two pages the latency target is about (issue 2, Benchmarks),
counted over the whole stack: session, user and jurisdictions included."""

from __future__ import annotations

import pytest
from django.test import Client

from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_detail_reads_a_whole_file_in_ten_queries(village_director, django_assert_num_queries):
    child = child_register(actor=village_director, data=full_child_data())
    client = signed_in(village_director)

    # session, user with jurisdictions; the child with its regions and household; the
    # audit entry of the view; members, parents, their conditions, concerns, assessed needs,
    # benefits. The session is not written again (hehu.accounts.middleware).
    with django_assert_num_queries(10):
        response = client.get(f"/api/v1/children/{child.pk}/")

    assert response.status_code == 200
    assert response.json()["region_name"]
    assert response.json()["household"]["members"]


def test_the_first_page_of_the_list_takes_four_queries(village_director, django_assert_num_queries):
    for i in range(3):
        child_register(
            actor=village_director, data=child_data(name=f"儿童{i}"), confirm_not_duplicate=True
        )
    client = signed_in(village_director)

    # session, user with jurisdictions, count, page (with regions)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/children/", {"living_arrangement": "with_relatives"})

    assert response.status_code == 200
    assert response.json()["count"] == Child.objects.count()
