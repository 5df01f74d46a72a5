"""Who may open which page: each persona against every child page (CONVENTIONS.md)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.registry.models import Attachment, Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number
from hehu.web.tests.helpers import child_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(village_director):
    """A child of the director's village, a second one (to merge), and a document."""
    child = child_register(actor=village_director, data=full_child_data(id_number=make_id_number()))
    other = child_register(actor=village_director, data=child_data(name="李四"))
    attachment = Attachment(child=child, title="判决书", content_type="application/pdf")
    attachment.file.save("judgment.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return child, other, attachment


def page_urls(child, other, attachment):
    return {
        "list": reverse("web:children"),
        "detail": reverse("web:child", args=[child.pk]),
        "register": reverse("web:child_register"),
        "edit": reverse("web:child_edit", args=[child.pk]),
        "merge": reverse("web:child_merge", args=[child.pk]),
        "merge_confirm": reverse("web:child_merge_confirm", args=[child.pk, other.pk]),
        "attachment": reverse("web:child_attachment", args=[child.pk, attachment.pk]),
    }


EXPECTED_GET = {
    "village_director": {
        "list": 200,
        "detail": 200,
        "register": 200,
        "edit": 200,
        "merge": 403,
        "merge_confirm": 403,
        "attachment": 200,
    },
    "township_supervisor": dict.fromkeys(
        ["list", "detail", "register", "edit", "merge", "merge_confirm", "attachment"], 200
    ),
    "county_officer": dict.fromkeys(
        ["list", "detail", "register", "edit", "merge", "merge_confirm", "attachment"], 200
    ),
    "police_officer": {
        "list": 200,
        "detail": 200,
        "register": 403,
        "edit": 403,
        "merge": 403,
        "merge_confirm": 403,
        "attachment": 200,
    },
    "director_elsewhere": {
        "list": 200,
        "detail": 404,
        "register": 200,
        "edit": 404,
        "merge": 404,
        "merge_confirm": 404,
        "attachment": 404,
    },
    "admin_user": {
        "list": 403,
        "detail": 404,
        "register": 403,
        "edit": 404,
        "merge": 404,
        "merge_confirm": 404,
        "attachment": 404,
    },
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_GET))
def test_it_gives_each_persona_exactly_the_pages_their_role_and_reach_allow(
    client, request, files, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    urls = page_urls(*files)

    statuses = {name: client.get(url).status_code for name, url in urls.items()}

    assert statuses == EXPECTED_GET[persona]


def test_it_sends_a_visitor_who_is_not_signed_in_to_the_sign_in_page(client, files):
    for url in page_urls(*files).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


def test_it_lists_nothing_to_a_director_of_another_county(client, files, director_elsewhere):
    client.force_login(director_elsewhere)

    response = client.get(reverse("web:children"), {"q": "王小花"})

    assert response.context["children"] == []
    assert response.context["page"].paginator.count == 0
    assert 'class="hh-child-name"' not in response.content.decode()


@pytest.mark.parametrize("persona", ["director_elsewhere", "admin_user"])
def test_it_answers_404_to_every_write_on_a_hidden_file_and_changes_nothing(
    client, request, files, persona
):
    child, other, attachment = files
    before = (Child.objects.get(pk=child.pk).version, AuditEntry.objects.count())
    client.force_login(request.getfixturevalue(persona))

    posts = {
        reverse("web:child_edit", args=[child.pk]): child_post(version=child.version),
        reverse("web:child_reveal", args=[child.pk]): {"reason": "想看"},
        reverse("web:child_attachment_add", args=[child.pk]): {"title": "x"},
        reverse("web:child_merge_confirm", args=[child.pk, other.pk]): {"reason": "重复"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url

    assert (Child.objects.get(pk=child.pk).version, AuditEntry.objects.count()) == before
    assert Child.objects.get(pk=other.pk).status == Child.Status.ACTIVE


def test_it_refuses_every_write_to_a_read_only_officer_and_changes_nothing(
    client, files, police_officer
):
    child, other, attachment = files
    client.force_login(police_officer)
    before = Child.objects.get(pk=child.pk).version

    posts = {
        reverse("web:child_register"): child_post(name="新儿童"),
        reverse("web:child_edit", args=[child.pk]): child_post(version=child.version),
        reverse("web:child_reveal", args=[child.pk]): {"reason": "核查"},
        reverse("web:child_attachment_add", args=[child.pk]): {"title": "x"},
        reverse("web:child_merge_confirm", args=[child.pk, other.pk]): {"reason": "重复"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url

    assert Child.objects.count() == 2
    assert Child.objects.get(pk=child.pk).version == before
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_ID_REVEALED).exists()


def test_it_shows_a_read_only_officer_no_buttons_that_would_change_a_file(
    client, files, police_officer
):
    child, _other, _attachment = files
    client.force_login(police_officer)

    detail = client.get(reverse("web:child", args=[child.pk])).content.decode()
    listing = client.get(reverse("web:children")).content.decode()
    home = client.get(reverse("web:home")).content.decode()

    for page in (detail, listing, home):
        assert reverse("web:child_register") not in page
    assert reverse("web:child_edit", args=[child.pk]) not in detail
    assert reverse("web:child_reveal", args=[child.pk]) not in detail
    assert f'action="{reverse("web:child_attachment_add", args=[child.pk])}"' not in detail
    assert reverse("web:child_merge", args=[child.pk]) not in detail
    assert "查看完整号码" not in detail
    assert reverse("api:child-facts", args=[child.pk]) not in detail


def test_it_shows_the_audit_trail_link_to_those_who_may_read_access_logs(
    client, files, township_supervisor, village_director
):
    child, _other, _attachment = files
    trail = reverse("audit:child_trail", args=[child.pk])

    client.force_login(township_supervisor)
    assert trail in client.get(reverse("web:child", args=[child.pk])).content.decode()
    client.force_login(village_director)
    assert trail not in client.get(reverse("web:child", args=[child.pk])).content.decode()
