"""Bank files, results and reconciliation over /api/v1/benefits/."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from hehu.accounts.models import User
from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.models import PaymentCycle, Transfer
from hehu.benefits.tests.bank_factories import (
    OTHER_COUNTY,
    approved_cycle,
    exported_cycle,
    generic_results,
    paid_row,
    transfer_to,
)
from hehu.benefits.tests.factories import make_transfer

pytestmark = pytest.mark.django_db

ACCOUNT = "0062170000123456789"


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _upload(content: bytes, name: str = "回盘.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_it_lists_the_bank_layouts(county_officer) -> None:
    response = _api(county_officer).get("/api/v1/benefits/bank-layouts/")

    assert response.status_code == 200
    layouts = {layout["code"]: layout for layout in response.json()}
    assert set(layouts) == {"generic", "demo-rcc"}
    assert layouts["demo-rcc"]["encoding"] == "gb18030"
    assert layouts["demo-rcc"]["summary"] == "first"
    assert layouts["generic"]["label"]["zh-hans"].startswith("通用格式")
    assert layouts["generic"]["formats"] == ["csv", "xlsx"]


def test_the_layouts_are_for_benefit_managers(village_director) -> None:
    assert _api(village_director).get("/api/v1/benefits/bank-layouts/").status_code == 403


def test_it_downloads_the_bank_file_as_csv(county_officer) -> None:
    cycle = approved_cycle()
    transfer_to(cycle, ACCOUNT)

    response = _api(county_officer).get(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-file/?layout=generic&format=csv"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="511502-202603-generic.csv"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Hehu-Rows"] == "1"
    assert ACCOUNT in response.content.decode("utf-8-sig")
    assert PaymentCycle.objects.get().status == PaymentCycle.Status.EXPORTED


def test_it_downloads_the_bank_file_as_xlsx(county_officer) -> None:
    cycle = approved_cycle()
    transfer_to(cycle, ACCOUNT)

    response = _api(county_officer).get(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-file/?layout=demo-rcc&format=xlsx"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["B2"].value == ACCOUNT


def test_a_refused_export_answers_400_in_json(county_officer) -> None:
    cycle = approved_cycle(status=PaymentCycle.Status.GENERATED)
    make_transfer(cycle)

    response = _api(county_officer).get(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-file/?layout=generic&format=csv"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"cycle": ["发放名册审批后才能导出银行文件"]}


def test_a_cycle_of_another_county_answers_404_and_nothing_changes(county_officer) -> None:
    cycle = approved_cycle(county_code=OTHER_COUNTY)
    transfer = make_transfer(cycle)
    client = _api(county_officer)

    download = client.get(f"/api/v1/benefits/cycles/{cycle.pk}/bank-file/?layout=generic")
    results = client.post(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-results/",
        {"file": _upload(generic_results([paid_row(transfer)])), "layout": "generic"},
        format="multipart",
    )
    reconcile = client.post(f"/api/v1/benefits/cycles/{cycle.pk}/reconcile/")

    assert (download.status_code, results.status_code, reconcile.status_code) == (404, 404, 404)
    assert PaymentCycle.objects.get().status == PaymentCycle.Status.APPROVED
    assert not AuditEntry.objects.filter(object_type="payment_cycle").exists()


def test_a_role_without_rolls_does_not_find_the_cycle(police_officer) -> None:
    cycle = approved_cycle()

    response = _api(police_officer).get(f"/api/v1/benefits/cycles/{cycle.pk}/bank-file/")

    assert response.status_code == 404


def test_it_imports_results_and_reports_the_counts(county_officer) -> None:
    cycle = exported_cycle()
    transfer = transfer_to(cycle, ACCOUNT)

    response = _api(county_officer).post(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-results/",
        {"file": _upload(generic_results([paid_row(transfer, "B1")])), "layout": "generic"},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "rows": 1,
        "paid": 1,
        "failed": 0,
        "already_recorded": 0,
        "paid_amount": "1651.00",
        "failed_amount": "0.00",
    }
    assert Transfer.objects.get().status == Transfer.Status.PAID


def test_a_bad_result_file_answers_400_with_its_lines_and_no_account_number(
    county_officer,
) -> None:
    cycle = exported_cycle()
    transfer = transfer_to(cycle, ACCOUNT)
    content = generic_results(
        [(transfer.reference, "1.00", "成功", "", ""), ("X1", "1", "成功", "", "")]
    )

    response = _api(county_officer).post(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-results/",
        {"file": _upload(content), "layout": "generic"},
        format="multipart",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["message"].startswith("回盘文件“回盘.csv”有 2 处问题，未导入任何结果")
    assert body["errors"]["lines"] == [
        f"第 2 行：流水号 {transfer.reference} 的金额 1.00 元与应发金额 1651.00 元不一致",
        "第 3 行：流水号 X1 不是本批次的明细，请核对回盘文件",
    ]
    assert ACCOUNT not in response.content.decode()
    assert Transfer.objects.get().status == Transfer.Status.PENDING


def test_an_import_needs_a_file_and_a_layout(county_officer) -> None:
    cycle = exported_cycle()

    response = _api(county_officer).post(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-results/", {}, format="multipart"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file", "layout"}


def test_it_reconciles_over_the_api(county_officer) -> None:
    cycle = exported_cycle()
    transfer = make_transfer(cycle)
    client = _api(county_officer)
    client.post(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-results/",
        {"file": _upload(generic_results([paid_row(transfer)])), "layout": "generic"},
        format="multipart",
    )

    response = client.post(f"/api/v1/benefits/cycles/{cycle.pk}/reconcile/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["number"], body["paid_amount"]) == (
        "reconciled",
        "511502-202603",
        "1651.00",
    )


def test_reconciling_too_early_answers_400(county_officer) -> None:
    cycle = exported_cycle()
    transfer = make_transfer(cycle)

    response = _api(county_officer).post(f"/api/v1/benefits/cycles/{cycle.pk}/reconcile/")

    assert response.status_code == 400
    assert transfer.reference in response.json()["errors"]["cycle"][0]


def test_no_account_number_reaches_the_audit_log_across_the_whole_flow(county_officer) -> None:
    cycle = approved_cycle()
    transfer = transfer_to(cycle, ACCOUNT)
    client = _api(county_officer)
    client.get(f"/api/v1/benefits/cycles/{cycle.pk}/bank-file/?layout=generic&format=xlsx")
    client.post(
        f"/api/v1/benefits/cycles/{cycle.pk}/bank-results/",
        {"file": _upload(generic_results([paid_row(transfer)])), "layout": "generic"},
        format="multipart",
    )
    client.post(f"/api/v1/benefits/cycles/{cycle.pk}/reconcile/")

    entries = AuditEntry.objects.filter(object_type="payment_cycle")
    assert [e.verb for e in entries.order_by("pk")] == [
        Verb.BANK_FILE_EXPORTED,
        Verb.BANK_RESULTS_IMPORTED,
        Verb.CYCLE_RECONCILED,
    ]
    assert all(ACCOUNT not in str(e.changes) for e in entries)


def test_the_schema_describes_the_bank_endpoints(county_officer) -> None:
    response = _api(county_officer).get("/api/v1/schema/?format=json")

    paths = response.json()["paths"]
    assert "/api/v1/benefits/cycles/{cycle_id}/bank-results/" in paths
    assert "/api/v1/benefits/bank-layouts/" in paths
