"""Fund-use anomalies over /api/v1/benefits/anomalies/: the county's list with filters and
counts, one anomaly with its children and payment, resolving it, and every refusal."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hehu.benefits.models import Anomaly
from hehu.benefits.tests.reports_factories import CHANGNING, analyst, checked_roll
from hehu.cases.models import WorkItem

pytestmark = pytest.mark.django_db
BASE = "/api/v1/benefits/anomalies/"
K = Anomaly.Kind


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_county_lists_its_open_anomalies_with_filters(county_officer) -> None:
    checked_roll(name="王小花")
    checked_roll("511524", village=CHANGNING, name="李长宁")
    body = api(county_officer).get(BASE).json()
    assert body["count"] == 2
    assert {a["kind"] for a in body["results"]} == {K.AMOUNT_DIFFERS, K.NO_VERIFICATION_VISIT}
    first = body["results"][0]
    assert first["child_name"] == "王小花"
    assert first["status"] == "open"
    assert first["county_code"] == "511502"
    assert first["cycle"]["number"] == "511502-202611"
    assert set(first["evidence"]) == {"zh-hans", "en"}
    assert first["kind_label"]["zh-hans"]
    only = api(county_officer).get(BASE, {"kind": K.AMOUNT_DIFFERS}).json()
    assert [a["kind"] for a in only["results"]] == [K.AMOUNT_DIFFERS]
    kinds = {k["kind"]: k["count"] for k in api(county_officer).get(BASE + "kinds/").json()}
    assert kinds[K.AMOUNT_DIFFERS] == 1
    assert kinds[K.SHARED_ACCOUNT] == 0


def test_a_bad_filter_is_refused(county_officer) -> None:
    response = api(county_officer).get(BASE, {"kind": "nonsense", "status": "closed"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "status"}


def test_one_anomaly_with_its_child_and_payment(county_officer) -> None:
    _cycle, transfer = checked_roll(name="王小花")
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    body = api(county_officer).get(f"{BASE}{anomaly.pk}/").json()
    assert body["number"] == anomaly.number
    assert body["children"] == [{"id": transfer.child_id, "name": "王小花", "file_visible": True}]
    assert body["transfer"]["amount"] == "1500.00"
    assert body["version"] == 1
    assert "1651" in body["evidence"]["zh-hans"]


def test_resolving_over_the_api(county_officer) -> None:
    checked_roll()
    anomaly = Anomaly.objects.get(kind=K.AMOUNT_DIFFERS)
    url = f"{BASE}{anomaly.pk}/resolve/"
    client = api(county_officer)
    short = client.post(
        url, {"outcome": "explained", "note": "没问题", "version": 1}, format="json"
    )
    assert short.status_code == 400
    assert "note" in short.json()["errors"]
    wrong = client.post(
        url, {"outcome": "closed", "note": "入户核实无误", "version": 1}, format="json"
    )
    assert wrong.status_code == 400
    assert "outcome" in wrong.json()["errors"]
    stale = client.post(
        url, {"outcome": "explained", "note": "入户核实无误", "version": 7}, format="json"
    )
    assert stale.status_code == 409
    done = client.post(
        url, {"outcome": "explained", "note": "按新标准补差，无误", "version": 1}, format="json"
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["version"]) == ("explained", 2)
    assert done.json()["resolution"] == "按新标准补差，无误"
    item = WorkItem.objects.get(object_type="benefit_anomaly", object_id=anomaly.pk)
    assert item.status == WorkItem.Status.DONE
    again = client.post(
        url, {"outcome": "confirmed", "note": "再处理一次看看", "version": 2}, format="json"
    )
    assert again.status_code == 400
    assert "已处理" in again.json()["message"]
    assert api(county_officer).get(BASE, {"status": "explained"}).json()["count"] == 1


def test_others_see_no_anomaly_and_another_county_is_404(
    county_officer, village_director, township_supervisor
) -> None:
    checked_roll("511524", village=CHANGNING)
    elsewhere = Anomaly.objects.first()
    assert api(county_officer).get(BASE).json()["count"] == 0
    assert api(county_officer).get(f"{BASE}{elsewhere.pk}/").status_code == 404
    resolve = api(county_officer).post(
        f"{BASE}{elsewhere.pk}/resolve/",
        {"outcome": "explained", "note": "不是本县的异常", "version": 1},
        format="json",
    )
    assert resolve.status_code == 404
    for user in (village_director, township_supervisor, analyst()):
        assert api(user).get(BASE).status_code == 403
        assert api(user).get(BASE + "kinds/").status_code == 403
        assert api(user).get(f"{BASE}{elsewhere.pk}/").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Anomaly.Status.OPEN
