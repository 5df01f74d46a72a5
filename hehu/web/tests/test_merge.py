import pytest
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.regions.tests.factories import region
from hehu.registry.models import Child
from hehu.registry.services import child_register
from hehu.registry.tests.factories import ChildFactory, child_data, full_child_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(village_director):
    """The same child registered twice: once in full, once with only a few facts."""
    survivor = child_register(actor=village_director, data=full_child_data())
    duplicate = child_register(
        actor=village_director,
        data=child_data(name="王小花", living_arrangement="alone", guardian_name="王爷爷"),
        confirm_not_duplicate=True,
    )
    return survivor, duplicate


def test_it_finds_the_other_file_by_name_within_the_jurisdiction(
    client, township_supervisor, twins
):
    survivor, duplicate = twins
    ChildFactory(name="王小花", region=region("511524100201"))
    client.force_login(township_supervisor)

    response = client.get(reverse("web:child_merge", args=[survivor.pk]))

    assert [c.pk for c in response.context["candidates"]] == [duplicate.pk]
    assert reverse("web:child_merge_confirm", args=[survivor.pk, duplicate.pk]) in (
        response.content.decode()
    )


def test_it_finds_the_other_file_by_its_number(client, township_supervisor, twins):
    survivor, duplicate = twins
    client.force_login(township_supervisor)

    response = client.get(reverse("web:child_merge", args=[survivor.pk]), {"q": duplicate.pk})

    assert [c.pk for c in response.context["candidates"]] == [duplicate.pk]


def test_it_shows_both_files_side_by_side_marking_differences(client, township_supervisor, twins):
    survivor, duplicate = twins
    client.force_login(township_supervisor)

    response = client.get(reverse("web:child_merge_confirm", args=[survivor.pk, duplicate.pk]))

    rows = {str(r["label"]): r for r in response.context["rows"]}
    assert rows["居住情况"]["left"] == "与亲属同住"
    assert rows["居住情况"]["right"] == "独自居住"
    assert rows["居住情况"]["differs"] is True
    assert rows["姓名"]["differs"] is False
    assert "确认合并" in response.content.decode()


def test_it_merges_after_the_reason_is_given_and_retires_the_duplicate(
    client, township_supervisor, twins
):
    survivor, duplicate = twins
    client.force_login(township_supervisor)
    url = reverse("web:child_merge_confirm", args=[survivor.pk, duplicate.pk])

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "请填写合并理由" in refused.content.decode()
    assert Child.objects.get(pk=duplicate.pk).status == Child.Status.ACTIVE

    response = client.post(url, {"reason": "同一儿童重复登记，已入户核实"})

    assert response.status_code == 302
    assert response["Location"] == reverse("web:child", args=[survivor.pk])
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (Child.Status.MERGED, survivor.pk)
    entry = AuditEntry.objects.filter(verb=Verb.CHILD_MERGED, child_id=survivor.pk).get()
    assert entry.reason == "同一儿童重复登记，已入户核实"
    page = client.get(response["Location"]).content.decode()
    assert "合并儿童档案" in page
    # The duplicate's differing guardian is not lost: the history keeps it.
    assert "监护人姓名：保留本档案的值；被并入档案的值为“王爷爷”" in page


def test_it_will_not_take_a_file_outside_the_jurisdiction_as_the_duplicate(
    client, township_supervisor, twins
):
    survivor, _duplicate = twins
    outsider = ChildFactory(name="王小花", region=region("511524100201"))
    client.force_login(township_supervisor)

    url = reverse("web:child_merge_confirm", args=[survivor.pk, outsider.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "重复"}).status_code == 404
    outsider.refresh_from_db()
    assert outsider.status == Child.Status.ACTIVE
