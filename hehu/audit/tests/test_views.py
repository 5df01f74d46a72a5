"""The audit pages: a child's trail and the administrator's search."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.audit.tests.factories import record
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(village_director):
    child = ChildFactory()
    record(
        village_director,
        Verb.CHILD_UPDATED,
        child=child,
        changes={
            "living_arrangement": ["with_parents", "with_relatives"],
            "id_number": ["***1234", "***5678"],
        },
        reason="监护人变更",
        ip="10.1.2.3",
    )
    record(village_director, Verb.CHILD_VIEWED, child=child, ip="10.1.2.4")
    return child


def trail_url(child_id):
    return reverse("audit:child_trail", args=[child_id])


def views_of_the_log(user):
    return AuditEntry.objects.filter(actor=user, verb=Verb.AUDIT_VIEWED)


def test_it_shows_the_administrator_who_changed_what_old_to_new(client, admin_user, child):
    client.force_login(admin_user)
    page = client.get(trail_url(child.pk)).content.decode()
    assert "修改儿童档案" in page
    assert "查看儿童档案" in page
    assert "居住情况" in page
    assert "与父母同住" in page
    assert "与亲属同住" in page
    assert "***1234" in page
    assert "***5678" in page
    assert "监护人变更" in page
    assert "10.1.2.3" in page


def test_it_records_that_the_administrator_read_the_trail(client, admin_user, child):
    client.force_login(admin_user)
    client.get(trail_url(child.pk))
    assert [e.child_id for e in views_of_the_log(admin_user)] == [child.pk]


def test_it_shows_the_supervisor_who_viewed_the_file_and_nothing_else(
    client, township_supervisor, child
):
    client.force_login(township_supervisor)
    response = client.get(trail_url(child.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "查看儿童档案" in page
    assert "director" in page
    assert "修改儿童档案" not in page
    assert "监护人变更" not in page
    assert "10.1.2.4" not in page  # a colleague's address is not theirs to see
    assert views_of_the_log(township_supervisor).count() == 1


@pytest.mark.parametrize("who", ["village_director", "police_officer", "director_elsewhere"])
def test_it_answers_404_to_those_without_access_and_records_nothing(client, request, who, child):
    user = request.getfixturevalue(who)
    before = AuditEntry.objects.count()
    client.force_login(user)
    assert client.get(trail_url(child.pk)).status_code == 404
    assert AuditEntry.objects.count() == before


def test_it_answers_404_for_a_child_outside_the_administrators_county(client, child):
    client.force_login(make_user(Role.ADMIN, "511524"))
    assert client.get(trail_url(child.pk)).status_code == 404
    assert client.get(trail_url(999999)).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client, child):
    response = client.get(trail_url(child.pk))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


def test_it_pages_a_long_trail_with_a_constant_number_of_queries(
    client, admin_user, village_director, child
):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as short_trail:
        client.get(trail_url(child.pk))
    for _ in range(60):
        record(village_director, Verb.CHILD_VIEWED, child=child)
    with CaptureQueriesContext(connection) as long_trail:
        first = client.get(trail_url(child.pk))
    second = client.get(trail_url(child.pk), {"page": 2})
    assert len(long_trail) == len(short_trail)
    # 2 entries + the reader's earlier visit + 60 views; each visit is recorded after its
    # page is read, so page 2 of the next visit holds 14.
    assert first.context["page"].paginator.count == 63
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 14


def test_it_lets_the_administrator_search_by_actor_and_operation(client, admin_user, child):
    client.force_login(admin_user)
    response = client.get(
        reverse("audit:search"), {"actor": "director", "verb": Verb.CHILD_UPDATED}
    )
    assert response.status_code == 200
    assert [row.entry.verb for row in response.context["rows"]] == [Verb.CHILD_UPDATED]
    (seen,) = views_of_the_log(admin_user)
    assert seen.changes == {"actor": "director", "verb": Verb.CHILD_UPDATED}


def test_it_explains_a_wrong_date_range_and_keeps_what_was_typed(client, admin_user, child):
    client.force_login(admin_user)
    response = client.get(
        reverse("audit:search"),
        {"actor": "director", "date_from": "2026-03-05", "date_to": "2026-03-01"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in page
    assert 'href="#id_date_to"' in page
    assert 'value="director"' in page
    assert 'value="2026-03-05"' in page
    assert not views_of_the_log(admin_user).exists()


def test_it_refuses_the_search_to_everyone_but_administrators(client, county_officer):
    client.force_login(county_officer)
    assert client.get(reverse("audit:search")).status_code == 403


def test_it_keeps_a_search_for_a_child_out_of_that_childs_trail(client, child):
    admin_elsewhere = make_user(Role.ADMIN, "511524")
    client.force_login(admin_elsewhere)
    response = client.get(reverse("audit:search"), {"child": child.pk})
    assert response.context["page"].paginator.count == 0
    (seen,) = views_of_the_log(admin_elsewhere)
    assert (seen.child_id, seen.changes) == (None, {"child": child.pk})
