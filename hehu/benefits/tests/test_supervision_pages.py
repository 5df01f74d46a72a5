"""The supervision pages: the county's open anomalies by kind with their counts, an
anomaly's evidence in the reader's language with the child and the roll, and resolving it
(explained or confirmed, with a note; refusals said on the page, a concurrent edit 409)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.models import Anomaly, PaymentCycle
from hehu.benefits.tests.reports_factories import CHANGNING, analyst, checked_roll, officer
from hehu.cases.models import WorkItem

pytestmark = pytest.mark.django_db
LIST = reverse("supervision:anomalies")
K = Anomaly.Kind


def client_for(user, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def page_of(anomaly: Anomaly) -> str:
    return reverse("supervision:anomaly", args=[anomaly.pk])


def resolve_url(anomaly: Anomaly) -> str:
    return reverse("supervision:resolve", args=[anomaly.pk])


def test_the_county_sees_its_open_anomalies_with_counts_per_kind(county_officer) -> None:
    checked_roll(name="王小花")
    checked_roll("511524", village=CHANGNING, name="李长宁")
    response = client_for(county_officer).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "王小花" in page
    assert "李长宁" not in page  # another county's
    counts = {c.kind: c.count for c in response.context["counts"]}
    assert counts[K.AMOUNT_DIFFERS] == 1
    assert counts[K.NO_VERIFICATION_VISIT] == 1
    assert counts[K.PAID_AFTER_DEATH] == 0
    assert response.context["total"] == 2
    only = client_for(county_officer).get(LIST, {"kind": K.AMOUNT_DIFFERS})
    assert [r["anomaly"].kind for r in only.context["rows"]] == [K.AMOUNT_DIFFERS]
    assert "1500" in only.content.decode()  # the evidence in a word


def test_resolved_anomalies_leave_the_open_list_and_show_under_all(county_officer) -> None:
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    client = client_for(county_officer)
    client.post(
        resolve_url(anomaly), {"outcome": "explained", "note": "按新标准补差发放", "version": 1}
    )
    open_rows = client.get(LIST).context["rows"]
    assert [r["anomaly"].kind for r in open_rows] == [K.NO_VERIFICATION_VISIT]
    every = client.get(LIST, {"status": "all"}).context["rows"]
    assert {r["anomaly"].pk for r in every} == set(Anomaly.objects.values_list("pk", flat=True))


def test_roles_that_do_not_handle_benefits_see_no_anomaly(village_director, township_supervisor):
    checked_roll()
    anomaly = Anomaly.objects.first()
    for user in (village_director, township_supervisor, analyst()):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(page_of(anomaly)).status_code == 404
        assert client.post(resolve_url(anomaly), {"outcome": "explained"}).status_code == 404


def test_the_anomaly_page_shows_the_evidence_the_child_and_the_roll(county_officer) -> None:
    cycle, transfer = checked_roll(name="王小花")
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    response = client_for(county_officer).get(page_of(anomaly))
    assert response.status_code == 200
    page = response.content.decode()
    assert anomaly.evidence["zh"] in page
    assert f'href="/children/{transfer.child_id}/">王小花</a>' in page
    assert reverse("benefits:cycle", args=[cycle.pk]) in page
    assert cycle.number in page
    assert 'id="hh-transfer">1500.00' in page
    assert 'name="version" value="1"' in page
    assert "发放金额与标准不符" in page


def test_the_evidence_is_in_the_readers_language(county_officer) -> None:
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    page = client_for(county_officer, "en").get(page_of(anomaly)).content.decode()
    assert anomaly.evidence["en"] in page
    assert anomaly.evidence["zh"] not in page


def test_another_countys_anomaly_is_answered_like_a_missing_one(county_officer) -> None:
    checked_roll("511524", village=CHANGNING)
    elsewhere = Anomaly.objects.first()
    client = client_for(county_officer)
    assert client.get(page_of(elsewhere)).status_code == 404
    assert client.get(reverse("supervision:anomaly", args=[987654])).status_code == 404
    response = client.post(
        resolve_url(elsewhere), {"outcome": "explained", "note": "不应被处理的异常", "version": 1}
    )
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Anomaly.Status.OPEN


def test_resolving_closes_the_work_item_and_is_audited(county_officer) -> None:
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.NO_VERIFICATION_VISIT)
    client = client_for(county_officer)
    response = client.post(
        resolve_url(anomaly),
        {"outcome": "confirmed", "note": "已安排儿童主任本周入户核实", "version": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == page_of(anomaly)
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.resolved_by, anomaly.version) == (
        "confirmed",
        county_officer,
        2,
    )
    item = WorkItem.objects.get(object_type="benefit_anomaly", object_id=anomaly.pk)
    assert item.status == WorkItem.Status.DONE
    assert AuditEntry.objects.filter(verb=Verb.ANOMALY_RESOLVED, object_id=str(anomaly.pk)).exists()
    page = client.get(page_of(anomaly)).content.decode()
    assert "已安排儿童主任本周入户核实" in page
    assert 'id="hh-resolve"' not in page  # no form once resolved


def test_a_note_too_short_is_refused_next_to_the_field_with_the_answers_kept(county_officer):
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    response = client_for(county_officer).post(
        resolve_url(anomaly), {"outcome": "confirmed", "note": "已处理", "version": 1}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "hh-error-summary" in page
    assert "至少 5 个字" in page
    assert 'value="confirmed" class="form-check-input" id="id_outcome_1" checked' in page
    assert '<a href="#id_note">' in page
    assert ">\n已处理</textarea>" in page
    anomaly.refresh_from_db()
    assert anomaly.status == Anomaly.Status.OPEN


def test_no_outcome_is_refused(county_officer) -> None:
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    response = client_for(county_officer).post(
        resolve_url(anomaly), {"note": "入户核实情况属实", "version": 1}
    )
    assert response.status_code == 400
    assert "请选择核查结论" in response.content.decode()


def test_an_anomaly_resolved_meanwhile_is_a_conflict(county_officer) -> None:
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    colleague = officer(username="colleague")
    client_for(colleague).post(
        resolve_url(anomaly), {"outcome": "explained", "note": "标准调整前的批次", "version": 1}
    )
    response = client_for(county_officer).post(
        resolve_url(anomaly), {"outcome": "confirmed", "note": "重复处理的尝试", "version": 1}
    )
    assert response.status_code == 409
    assert "已被其他人处理" in response.content.decode()
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.resolved_by) == ("explained", colleague)


def test_the_list_takes_as_many_queries_for_many_anomalies_as_for_few(county_officer) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(county_officer)
    checked_roll("511502")
    checked_roll("511524", village=CHANGNING)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, {"status": "all"}).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    Anomaly.objects.all().delete()
    WorkItem.objects.all().delete()
    PaymentCycle.objects.all().delete()
    checked_roll("511502", children=6)
    assert Anomaly.objects.count() == 12
    assert queries() == few
