import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from hehu.audit.models import AuditEntry, Verb
from hehu.registry.models import Attachment, Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n" + b"0" * 100


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def twins(actor):
    """Two files of the same child: one with the ID number, one typed again without it."""
    first = child_register(actor=actor, data=full_child_data())
    second = child_register(
        actor=actor,
        data=child_data(guardian_name="王奶奶", guardian_phone="13800000000"),
        confirm_not_duplicate=True,
    )
    return first, second


# ---- merge ---------------------------------------------------------------------------------


def test_a_supervisor_merges_a_duplicate_into_a_file(township_supervisor):
    survivor, duplicate = twins(township_supervisor)
    response = client(township_supervisor).post(
        f"/api/v1/children/{survivor.pk}/merge/",
        {"duplicate_id": duplicate.pk, "reason": "同一儿童重复登记"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["guardian_phone"] == "13800000000"
    assert response.json()["version"] == survivor.version + 1
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (Child.Status.MERGED, survivor.pk)


def test_a_merge_needs_a_reason(township_supervisor):
    survivor, duplicate = twins(township_supervisor)
    response = client(township_supervisor).post(
        f"/api/v1/children/{survivor.pk}/merge/", {"duplicate_id": duplicate.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.ACTIVE


def test_a_village_director_may_not_merge(village_director):
    survivor, duplicate = twins(village_director)
    response = client(village_director).post(
        f"/api/v1/children/{survivor.pk}/merge/",
        {"duplicate_id": duplicate.pk, "reason": "重复"},
        format="json",
    )
    assert response.status_code == 403
    assert Child.objects.filter(status=Child.Status.ACTIVE).count() == 2


def test_a_hidden_duplicate_is_answered_like_a_missing_one(township_supervisor, director_elsewhere):
    from hehu.regions.tests.factories import region

    survivor, _ = twins(township_supervisor)
    region("511524100201")
    hidden = child_register(
        actor=director_elsewhere, data=child_data(region_code="511524100201", name="界外")
    )
    api = client(township_supervisor)
    answers = []
    for other in (hidden.pk, 987654):
        response = api.post(
            f"/api/v1/children/{survivor.pk}/merge/",
            {"duplicate_id": other, "reason": "重复"},
            format="json",
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert list(answers[0][1]["errors"]) == ["duplicate_id"]
    hidden.refresh_from_db()
    assert hidden.status == Child.Status.ACTIVE


# ---- reveal --------------------------------------------------------------------------------


def test_it_reveals_the_id_number_for_a_reason_uncached_and_audited(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    response = client(village_director).post(
        f"/api/v1/children/{child.pk}/reveal-id/", {"reason": "办理低保申请"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"id_number": make_id_number()}
    assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.get(verb=Verb.CHILD_ID_REVEALED).reason == "办理低保申请"


def test_it_does_not_reveal_without_a_reason(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    response = client(village_director).post(
        f"/api/v1/children/{child.pk}/reveal-id/", {"reason": " "}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert make_id_number() not in response.content.decode()
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_ID_REVEALED).exists()


# ---- history -------------------------------------------------------------------------------


def test_it_lists_the_changes_of_the_file_newest_first(village_director):
    child = child_register(actor=village_director, data=full_child_data())
    api = client(village_director)
    api.patch(
        f"/api/v1/children/{child.pk}/",
        {"version": 1, "living_arrangement": "alone", "reason": "入户核实"},
        format="json",
    )
    response = api.get(f"/api/v1/children/{child.pk}/history/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["verb"] for r in rows] == [Verb.CHILD_UPDATED, Verb.CHILD_CREATED]
    assert rows[0]["changes"] == {"living_arrangement": ["with_relatives", "alone"]}
    assert (rows[0]["reason"], rows[0]["actor"]) == ("入户核实", village_director.username)
    assert make_id_number() not in response.content.decode()


# ---- attachments ---------------------------------------------------------------------------


def test_it_attaches_a_document_and_lists_it(village_director):
    child = child_register(actor=village_director, data=child_data())
    api = client(village_director)
    upload = SimpleUploadedFile("判决书 王小花.pdf", PDF, content_type="application/pdf")
    response = api.post(
        f"/api/v1/children/{child.pk}/attachments/",
        {"file": upload, "title": "刑事判决书", "kind": "judgment"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "application/pdf"
    listed = api.get(f"/api/v1/children/{child.pk}/attachments/").json()
    assert [(a["title"], a["size"]) for a in listed] == [("刑事判决书", len(PDF))]
    assert AuditEntry.objects.filter(verb=Verb.ATTACHMENT_ADDED, child_id=child.pk).exists()


def test_it_refuses_a_file_that_is_not_a_document(village_director):
    child = child_register(actor=village_director, data=child_data())
    upload = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client(village_director).post(
        f"/api/v1/children/{child.pk}/attachments/",
        {"file": upload, "title": "判决书"},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]
    assert not Attachment.objects.exists()


def test_it_requires_a_file_and_a_title(village_director):
    child = child_register(actor=village_director, data=child_data())
    response = client(village_director).post(
        f"/api/v1/children/{child.pk}/attachments/", {}, format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file", "title"}
