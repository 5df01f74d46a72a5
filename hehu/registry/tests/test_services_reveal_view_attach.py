import pytest
from django.core.files.base import ContentFile

from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.registry.models import Attachment
from hehu.registry.services import (
    MAX_ATTACHMENT_BYTES,
    attachment_add,
    child_record_view,
    child_register,
    child_reveal_id_number,
)
from hehu.registry.tests.factories import child_data, make_id_number

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n" + b"0" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"0" * 100
HEIC = b"\x00\x00\x00\x18ftypheic" + b"0" * 100


@pytest.fixture
def child(village_director):
    return child_register(
        actor=village_director, data=child_data(id_number=make_id_number(), no_id_reason="")
    )


def test_it_reveals_the_id_number_for_a_stated_reason_and_audits_it(village_director, child):
    number = child_reveal_id_number(actor=village_director, child=child, reason="办理低保申请")
    assert number == make_id_number()
    entry = AuditEntry.objects.get(verb=Verb.CHILD_ID_REVEALED)
    assert (entry.child_id, entry.reason, entry.actor) == (
        child.pk,
        "办理低保申请",
        village_director,
    )
    assert number not in str(entry.changes)


def test_it_refuses_to_reveal_without_a_reason(village_director, child):
    with pytest.raises(ValidationFailed) as exc:
        child_reveal_id_number(actor=village_director, child=child, reason="  ")
    assert list(exc.value.errors) == ["reason"]
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_ID_REVEALED).exists()


def test_it_refuses_to_reveal_to_a_police_officer_or_another_county(
    police_officer, director_elsewhere, child
):
    for actor in (police_officer, director_elsewhere):
        with pytest.raises(PermissionRefused):
            child_reveal_id_number(actor=actor, child=child, reason="查询")
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_ID_REVEALED).exists()


def test_it_says_when_there_is_no_id_number_to_reveal(village_director):
    child = child_register(actor=village_director, data=child_data())
    with pytest.raises(ApplicationError) as exc:
        child_reveal_id_number(actor=village_director, child=child, reason="核对")
    assert exc.value.field == "id_number"


def test_it_records_each_view_of_a_file(police_officer, child):
    child_record_view(actor=police_officer, child=child)
    child_record_view(actor=police_officer, child=child)
    views = AuditEntry.objects.filter(verb=Verb.CHILD_VIEWED, child_id=child.pk)
    assert views.count() == 2
    assert {e.actor for e in views} == {police_officer}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (HEIC, "image/heic")],
)
def test_it_attaches_documents_of_the_allowed_types(village_director, child, content, content_type):
    attachment = attachment_add(
        actor=village_director,
        child=child,
        file=ContentFile(content, name="王小花 回执.bin"),
        title="公安报案回执",
        kind="police_receipt",
    )
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.original_name == "王小花 回执.bin"
    assert "王小花" not in attachment.file.name
    assert attachment.file.name.startswith(f"children/{child.pk}/")
    entry = AuditEntry.objects.get(verb=Verb.ATTACHMENT_ADDED)
    assert entry.child_id == child.pk
    assert entry.changes["title"] == [None, "公安报案回执"]


def test_it_refuses_a_file_of_another_type_whatever_its_name(village_director, child):
    with pytest.raises(ValidationFailed) as exc:
        attachment_add(
            actor=village_director,
            child=child,
            file=ContentFile(b"MZ\x90\x00 not a pdf", name="scan.pdf"),
            title="扫描件",
        )
    assert list(exc.value.errors) == ["file"]
    assert "PDF" in str(exc.value.errors["file"][0])
    assert not Attachment.objects.exists()


def test_it_refuses_a_file_over_10_mb_and_an_empty_title(village_director, child):
    big = ContentFile(PDF + b"0" * MAX_ATTACHMENT_BYTES, name="big.pdf")
    with pytest.raises(ValidationFailed) as exc:
        attachment_add(actor=village_director, child=child, file=big, title="")
    assert set(exc.value.errors) == {"file", "title"}
    assert "10MB" in str(exc.value.errors["file"][0])
    assert not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(verb=Verb.ATTACHMENT_ADDED).exists()


def test_it_accepts_a_file_of_exactly_10_mb(village_director, child):
    exact = ContentFile(PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF)), name="exact.pdf")
    assert attachment_add(actor=village_director, child=child, file=exact, title="判决书").size == (
        MAX_ATTACHMENT_BYTES
    )


def test_it_refuses_attachments_from_a_police_officer(police_officer, child):
    with pytest.raises(PermissionRefused):
        attachment_add(
            actor=police_officer, child=child, file=ContentFile(PDF, name="a.pdf"), title="材料"
        )
    assert not Attachment.objects.exists()
