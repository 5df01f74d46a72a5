"""Recognition services: each step, each refusal (nothing changed), and the work items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry
from hehu.cases.errors import ApplicationStepNotAllowed
from hehu.cases.models import RecognitionApplication, WorkItem
from hehu.cases.selectors_recognition import (
    application_queue,
    applications_visible_to,
)
from hehu.cases.services.recognition import (
    ApplicationInvalid,
    ApplicationPending,
    NotResponsible,
    application_decide,
    application_forward,
    application_notify,
    application_receive,
    application_verify,
    application_withdraw,
)
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    social_worker,
    supervisor,
)
from hehu.core.errors import ConcurrentEdit, PermissionRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 30, 9, tzinfo=dt.UTC), tick=False):
        yield


D = dt.date
App = RecognitionApplication


def receive(child: Any = None, **kw: Any) -> App:
    values: dict[str, Any] = {
        "actor": supervisor(),
        "child": child or make_child(),
        "kind": App.Kind.DE_FACTO_UNATTENDED,
        "applicant_name": "王奶奶",
        "applicant_relation": "祖母",
        "applied_on": D(2025, 4, 1),
        "accepted_on": D(2025, 4, 1),
    }
    values.update(kw)
    return application_receive(**values)


def verified(application: App | None = None, **kw: Any) -> App:
    return application_verify(
        actor=kw.pop("actor", None) or supervisor(),
        application=application or receive(),
        opinion=kw.pop("opinion", "confirmed"),
        note=kw.pop("note", "比对民政、公安、法院数据，情况属实"),
        concluded_on=kw.pop("concluded_on", D(2025, 4, 20)),
        **kw,
    )


def snapshot(application: App) -> tuple[Any, ...]:
    fresh = App.objects.get(pk=application.pk)
    items = list(WorkItem.objects.filter(application=application).values_list("kind", "status"))
    return (fresh.status, fresh.version, fresh.refusal_reasons, items, AuditEntry.objects.count())


def open_kinds(application: App) -> list[str]:
    return list(
        WorkItem.objects.filter(application=application, status="open").values_list(
            "kind", flat=True
        )
    )


# -- receive ----------------------------------------------------------------------------------
def test_it_receives_an_application_at_the_hukou_township_and_starts_the_township_clock() -> None:
    application = receive()
    assert application.status == "township"
    assert application.hukou_township_code == application.receiving_township_code == "511502001000"
    item = WorkItem.objects.get(application=application)
    assert (item.kind, item.level, item.origin_level, item.region_code) == (
        "recognition_verify",
        "township",
        "township",
        "511502001000",
    )
    assert (item.object_type, item.object_id, item.child_id) == (
        "application",
        application.pk,
        application.child_id,
    )
    entry = AuditEntry.objects.get(verb="application.received")
    assert entry.object_id == str(application.pk)
    assert entry.child_id == application.child_id


def test_it_links_the_childs_open_case() -> None:
    case = make_case()
    application = receive(case.child)
    assert application.case_id == case.pk
    assert WorkItem.objects.get(application=application).case_id == case.pk


def test_it_refuses_a_second_pending_application_of_the_same_kind() -> None:
    child = make_child()
    receive(child)
    before = AuditEntry.objects.count()
    with pytest.raises(ApplicationPending) as refused:
        receive(child)
    assert "不能重复受理" in str(refused.value.message)
    assert App.objects.count() == 1
    assert AuditEntry.objects.count() == before
    # Another kind, or after the first was withdrawn, is accepted.
    receive(child, kind=App.Kind.ORPHAN)


def test_a_new_application_is_accepted_once_the_first_is_decided() -> None:
    child = make_child()
    first = verified(receive(child))
    application_decide(
        actor=county_officer(),
        application=first,
        approve=False,
        reasons="母亲服刑期限不满六个月，不符合条件",
        decided_on=D(2025, 5, 1),
    )
    assert receive(child).status == "township"


@pytest.mark.parametrize(
    ("applied_on", "accepted_on", "field"),
    [
        (D(2025, 4, 2), D(2025, 4, 1), "accepted_on"),
        (D(2025, 4, 1), D(2025, 7, 1), "accepted_on"),
        (D(2025, 7, 1), D(2025, 7, 1), "applied_on"),
    ],
)
def test_it_refuses_impossible_dates(applied_on: dt.date, accepted_on: dt.date, field: str) -> None:
    with pytest.raises(ApplicationInvalid) as refused:
        receive(applied_on=applied_on, accepted_on=accepted_on)
    assert refused.value.field == field
    assert not App.objects.exists()
    assert not WorkItem.objects.exists()


def test_it_refuses_a_blank_applicant() -> None:
    with pytest.raises(ApplicationInvalid) as refused:
        receive(applicant_name="  ")
    assert refused.value.field == "applicant_name"


@pytest.mark.parametrize("who", [director, department_officer, social_worker])
def test_roles_without_the_permission_cannot_receive(who: Any) -> None:
    with pytest.raises(PermissionRefused):
        receive(actor=who())
    assert not App.objects.exists()


def test_a_township_cannot_receive_for_a_child_registered_elsewhere() -> None:
    child = make_child(OTHER_COUNTY_VILLAGE)
    with pytest.raises(NotResponsible):
        receive(child)
    assert not App.objects.exists()


def test_the_county_receives_for_a_child_of_its_county() -> None:
    assert receive(actor=county_officer()).status == "township"


def test_cross_province_is_received_by_a_township_of_another_province() -> None:
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, "130111200")
    application = receive(actor=hebei, cross_province=True)
    assert application.status == "received"
    assert open_kinds(application) == ["recognition_forward"]
    # The receiving township follows the application although it cannot see the child.
    assert list(applications_visible_to(user=hebei)) == [application]
    assert list(application_queue(user=hebei)) == [application]


def test_cross_province_within_the_same_province_is_refused() -> None:
    neighbour = make_user(Role.TOWNSHIP_SUPERVISOR, "511502002")
    with pytest.raises(ApplicationInvalid) as refused:
        receive(actor=neighbour, cross_province=True)
    assert refused.value.field == "cross_province"


# -- forward ----------------------------------------------------------------------------------
def test_forwarding_stops_the_forward_clock_and_starts_the_hukou_townships() -> None:
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, "130111200")
    application = receive(actor=hebei, cross_province=True)
    application = application_forward(
        actor=hebei, application=application, forwarded_on=D(2025, 4, 3), expected_version=1
    )
    assert (application.status, application.forwarded_on, application.version) == (
        "township",
        D(2025, 4, 3),
        2,
    )
    assert open_kinds(application) == ["recognition_verify"]
    assert WorkItem.objects.get(kind="recognition_forward").status == "done"
    assert list(application_queue(user=supervisor())) == [application]
    assert list(application_queue(user=hebei)) == []


def test_only_the_receiving_township_forwards() -> None:
    hebei = make_user(Role.TOWNSHIP_SUPERVISOR, "130111200")
    application = receive(actor=hebei, cross_province=True)
    before = snapshot(application)
    with pytest.raises(NotResponsible):
        application_forward(actor=supervisor(), application=application, forwarded_on=D(2025, 4, 3))
    assert snapshot(application) == before


def test_a_normal_application_is_not_forwarded() -> None:
    application = receive()
    before = snapshot(application)
    with pytest.raises(ApplicationStepNotAllowed):
        application_forward(actor=supervisor(), application=application, forwarded_on=D(2025, 4, 3))
    assert snapshot(application) == before


# -- verify -----------------------------------------------------------------------------------
def test_verification_moves_it_to_the_county_with_a_county_item() -> None:
    application = verified()
    assert application.status == "county"
    assert application.township_opinion == "confirmed"
    assert application.township_concluded_on == D(2025, 4, 20)
    item = WorkItem.objects.get(application=application, status="open")
    assert (item.kind, item.level, item.region_code) == (
        "recognition_decide",
        "county",
        "511502000000",
    )
    assert WorkItem.objects.get(kind="recognition_verify").status == "done"
    assert list(application_queue(user=county_officer())) == [application]
    assert list(application_queue(user=supervisor())) == []
    assert AuditEntry.objects.filter(verb="application.verified").count() == 1


def test_a_not_confirmed_opinion_needs_a_note() -> None:
    application = receive()
    before = snapshot(application)
    with pytest.raises(ApplicationInvalid) as refused:
        verified(application, opinion="not_confirmed", note=" ")
    assert refused.value.field == "note"
    assert snapshot(application) == before


@pytest.mark.parametrize("who", [director, county_officer, department_officer])
def test_only_a_township_supervisor_verifies(who: Any) -> None:
    application = receive()
    before = snapshot(application)
    with pytest.raises(PermissionRefused):
        verified(application, actor=who())
    assert snapshot(application) == before


def test_a_supervisor_of_another_township_cannot_verify() -> None:
    application = receive()
    before = snapshot(application)
    other = make_user(Role.TOWNSHIP_SUPERVISOR, OTHER_COUNTY_VILLAGE[:9])
    assert application not in applications_visible_to(user=other)
    with pytest.raises(NotResponsible):
        verified(application, actor=other)
    assert snapshot(application) == before


def test_verification_cannot_conclude_before_acceptance() -> None:
    application = receive()
    with pytest.raises(ApplicationInvalid) as refused:
        verified(application, concluded_on=D(2025, 3, 31))
    assert refused.value.field == "concluded_on"


def test_a_stale_version_is_refused_and_nothing_saved() -> None:
    application = receive()
    before = snapshot(application)
    with pytest.raises(ConcurrentEdit) as refused:
        verified(application, expected_version=7)
    assert "刷新" in str(refused.value.message)
    assert snapshot(application) == before


# -- decide -----------------------------------------------------------------------------------
def test_an_approval_sets_the_confirmation_date_and_stops_the_clocks() -> None:
    application = application_decide(
        actor=county_officer(), application=verified(), approve=True, decided_on=D(2025, 5, 6)
    )
    assert (application.status, application.confirmed_from, application.refusal_reasons) == (
        "approved",
        D(2025, 5, 6),
        "",
    )
    assert open_kinds(application) == []  # no notify item outside the cross-province variant
    assert AuditEntry.objects.filter(verb="application.decided").count() == 1


def test_a_refusal_keeps_its_written_reasons() -> None:
    reasons = "父亲虽已死亡，但母亲未被判处六个月以上刑罚，不符合认定条件"
    application = application_decide(
        actor=county_officer(),
        application=verified(),
        approve=False,
        reasons=reasons,
        decided_on=D(2025, 5, 6),
    )
    assert (application.status, application.refusal_reasons, application.confirmed_from) == (
        "refused",
        reasons,
        None,
    )


@pytest.mark.parametrize("reasons", ["", "   ", "不符合条件"])
def test_a_refusal_without_written_reasons_is_refused(reasons: str) -> None:
    application = verified()
    before = snapshot(application)
    with pytest.raises(ApplicationInvalid) as refused:
        application_decide(
            actor=county_officer(),
            application=application,
            approve=False,
            reasons=reasons,
            decided_on=D(2025, 5, 6),
        )
    assert refused.value.field == "reasons"
    assert "书面说明理由" in str(refused.value.message)
    assert snapshot(application) == before


@pytest.mark.parametrize("who", [supervisor, director, department_officer])
def test_only_county_civil_affairs_decides(who: Any) -> None:
    application = verified()
    before = snapshot(application)
    with pytest.raises(PermissionRefused):
        application_decide(
            actor=who(), application=application, approve=True, decided_on=D(2025, 5, 6)
        )
    assert snapshot(application) == before


def test_another_county_cannot_decide() -> None:
    application = verified()
    before = snapshot(application)
    with pytest.raises(NotResponsible):
        application_decide(
            actor=county_officer(OTHER_COUNTY_VILLAGE),
            application=application,
            approve=True,
            decided_on=D(2025, 5, 6),
        )
    assert snapshot(application) == before


def test_it_cannot_decide_before_the_township_has_verified() -> None:
    application = receive()
    before = snapshot(application)
    with pytest.raises(ApplicationStepNotAllowed):
        application_decide(
            actor=county_officer(), application=application, approve=True, decided_on=D(2025, 5, 6)
        )
    assert snapshot(application) == before


def test_a_decided_application_cannot_be_decided_again() -> None:
    application = application_decide(
        actor=county_officer(), application=verified(), approve=True, decided_on=D(2025, 5, 6)
    )
    with pytest.raises(ApplicationStepNotAllowed):
        application_decide(
            actor=county_officer(),
            application=application,
            approve=False,
            reasons="x" * 20,
            decided_on=D(2025, 5, 7),
        )


# -- notify and withdraw ----------------------------------------------------------------------
def test_notifying_twice_is_refused() -> None:
    application = application_decide(
        actor=county_officer(), application=verified(), approve=True, decided_on=D(2025, 5, 6)
    )
    application = application_notify(
        actor=supervisor(), application=application, notified_on=D(2025, 5, 7)
    )
    with pytest.raises(ApplicationStepNotAllowed):
        application_notify(actor=supervisor(), application=application, notified_on=D(2025, 5, 8))


def test_a_withdrawal_cancels_the_running_clock_and_keeps_the_reason() -> None:
    application = application_withdraw(
        actor=supervisor(), application=receive(), reason="申请人已为儿童办理收养"
    )
    assert application.status == "withdrawn"
    assert list(WorkItem.objects.values_list("status", flat=True)) == ["cancelled"]
    entry = AuditEntry.objects.filter(object_type="application").latest("id")
    assert entry.reason == "申请人已为儿童办理收养"
    assert entry.changes["status"] == ["township", "withdrawn"]


def test_a_withdrawal_needs_a_reason_and_a_pending_application() -> None:
    application = receive()
    with pytest.raises(ApplicationInvalid):
        application_withdraw(actor=supervisor(), application=application, reason="")
    application_withdraw(actor=supervisor(), application=application, reason="申请人撤回")
    with pytest.raises(ApplicationStepNotAllowed):
        application_withdraw(actor=supervisor(), application=application, reason="再次撤回")


def test_a_director_cannot_withdraw() -> None:
    application = receive()
    before = snapshot(application)
    with pytest.raises(PermissionRefused):
        application_withdraw(actor=director(), application=application, reason="申请人撤回")
    assert snapshot(application) == before


# -- visibility -------------------------------------------------------------------------------
def test_who_sees_an_application() -> None:
    application = receive()
    assert application in applications_visible_to(user=director())
    assert application in applications_visible_to(user=supervisor())
    assert application in applications_visible_to(user=county_officer())
    assert application not in applications_visible_to(user=director(OTHER_COUNTY_VILLAGE))
    assert application not in applications_visible_to(user=county_officer(OTHER_COUNTY_VILLAGE))
    assert not applications_visible_to(user=department_officer()).exists()
    assert not applications_visible_to(user=social_worker()).exists()
