"""Recording home visits and the schedule they follow (34号; CC arts. 201–203)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.errors import CaseClosed
from hehu.cases.models import Case, Visit, VisitPhoto, WorkItem
from hehu.cases.services.cases import case_close
from hehu.cases.services.visits import (
    MAX_PHOTO_BYTES,
    VisitTokenReused,
    visit_record,
    visit_requires_report,
    visits_scheduled_visible_to,
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
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.core.tests.races import require_postgresql, while_held
from hehu.policy.models import ChildClassification
from hehu.policy.services.policies import policies_in_force

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 200
GIF = b"GIF89a" + b"\x00" * 200


def tz(*args: int) -> dt.datetime:
    return dt.datetime(*args, 9, tzinfo=dt.UTC)


def photo(content: bytes = JPEG, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def record(case: Case, actor: Any = None, **overrides: Any) -> Visit:
    values: dict[str, Any] = {
        "visited_on": timezone.localdate(),
        "child_seen": True,
        "not_seen_reason": "",
        "living_conditions": "fair",
        "safety": "safe",
        "schooling": "attending",
        "health": "good",
        "notes": "与奶奶交谈，孩子按时上学。",
        **overrides,
    }
    return visit_record(actor=actor or director(), case=case, **values)


def scheduled(case: Case) -> Visit:
    return Visit.objects.get(case=case, status=Visit.Status.SCHEDULED)


def classify(child: Any, *categories: str) -> None:
    _set, by_ref = policies_in_force()
    ChildClassification.objects.create(
        child=child,
        policy_version=by_ref["cn-national@2026.1"],
        as_of=timezone.localdate(),
        computed_at=timezone.now(),
        categories=list(categories),
        source=ChildClassification.Source.POPULATION,
    )


# ---- the schedule -------------------------------------------------------------------------


@time_machine.travel(tz(2026, 9, 30), tick=False)
def test_it_counts_the_first_visit_in_working_days_over_national_day() -> None:
    case = make_case()
    # 1–7 October are holidays; 10 October (a Saturday) is a make-up working day: the five
    # working days are 8, 9, 10, 12 and 13 October.
    assert scheduled(case).due_on == dt.date(2026, 10, 13)
    item = WorkItem.objects.get(case=case, kind=WorkItem.Kind.VISIT)
    assert (item.due_on, item.rule["zh"]) == (dt.date(2026, 10, 13), "开案后 5 个工作日内首次走访")


@time_machine.travel(tz(2026, 9, 30), tick=False)
def test_it_wants_an_emergency_case_visited_on_the_first_working_day() -> None:
    case = make_case(emergency=True)
    assert scheduled(case).due_on == dt.date(2026, 10, 8)


def test_it_records_the_due_visit_and_schedules_the_next_quarterly_for_normal_risk() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        case = make_case()
        due = scheduled(case)
    with time_machine.travel(tz(2026, 3, 5), tick=False):
        visit = record(case)
    assert visit.pk == due.pk
    assert (visit.status, visit.visited_on) == (Visit.Status.DONE, dt.date(2026, 3, 5))
    following = scheduled(case)
    assert following.due_on == dt.date(2026, 6, 5)
    assert following.schedule_reason["zh"] == "一般：每 3 个月走访一次"
    items = WorkItem.objects.filter(case=case, kind=WorkItem.Kind.VISIT)
    assert items.get(object_id=visit.pk).status == WorkItem.Status.DONE
    assert items.get(object_id=following.pk).status == WorkItem.Status.OPEN
    assert items.get(object_id=following.pk).due_on == dt.date(2026, 6, 5)


def test_it_visits_a_guardianship_risk_child_monthly() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        child = make_child()
        classify(child, "guardianship_risk")
        case = make_case(child)
        assert case.risk == Case.Risk.HIGH
    with time_machine.travel(tz(2026, 3, 5), tick=False):
        record(case)
    following = scheduled(case)
    # A month after 5 March is 5 April, Qingming (a holiday, as is Monday the 6th): the
    # visit falls due on the next working day (Civil Code art. 203).
    assert following.due_on == dt.date(2026, 4, 7)
    assert following.schedule_reason["zh"] == "高风险：每 1 个月走访一次"


def test_it_visits_a_child_whose_guardianship_is_absent_monthly() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        case = make_case(make_child(guardianship_grade="absent"))
    with time_machine.travel(tz(2026, 3, 5), tick=False):
        record(case)
    assert scheduled(case).due_on == dt.date(2026, 4, 7)  # 5 April is Qingming (CC 203)


def test_it_visits_a_child_of_another_category_quarterly() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        child = make_child(guardianship_grade="insufficient")
        classify(child, "orphan", "disabled_child")
        case = make_case(child)
        assert case.risk == Case.Risk.NORMAL
    with time_machine.travel(tz(2026, 3, 5), tick=False):
        record(case)
    assert scheduled(case).due_on == dt.date(2026, 6, 5)


def test_a_category_gained_since_the_last_visit_makes_the_next_one_monthly() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        child = make_child()
        case = make_case(child)
    with time_machine.travel(tz(2026, 3, 5), tick=False):
        classify(child, "guardianship_risk")
        record(case)
    case.refresh_from_db()
    assert case.risk == Case.Risk.HIGH
    assert scheduled(case).due_on == dt.date(2026, 4, 7)  # 5 April is Qingming (CC 203)


@pytest.mark.parametrize(
    ("visited", "grade", "due"),
    [
        # CC art. 202: a month later is the corresponding day, or the month's last day.
        # 28 Feb 2026 is a Saturday, but a make-up working day of the Spring Festival.
        (dt.date(2026, 1, 31), "absent", dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), "absent", dt.date(2028, 2, 29)),
        # 28 Feb 2027 is a Sunday: the next weekday (provisional: 2027 is not in the
        # working-day calendar yet), Civil Code art. 203.
        (dt.date(2026, 11, 30), "", dt.date(2027, 3, 1)),
        (dt.date(2026, 3, 31), "absent", dt.date(2026, 4, 30)),
    ],
)
def test_month_arithmetic_follows_civil_code_article_202(
    visited: dt.date, grade: str, due: dt.date
) -> None:
    with time_machine.travel(tz(visited.year, visited.month, 2), tick=False):
        case = make_case(make_child(guardianship_grade=grade))
    with time_machine.travel(tz(visited.year, visited.month, visited.day), tick=False):
        record(case, visited_on=visited)
    assert scheduled(case).due_on == due


# ---- refusals -----------------------------------------------------------------------------


def _nothing_recorded(case: Case, due: Visit) -> None:
    assert not Visit.objects.filter(case=case, status=Visit.Status.DONE).exists()
    assert scheduled(case).due_on == due.due_on
    assert not VisitPhoto.objects.exists()
    assert not AuditEntry.objects.filter(verb=Verb.VISIT_RECORDED).exists()


@time_machine.travel(tz(2026, 3, 10), tick=False)
def test_it_refuses_a_visit_date_in_the_future() -> None:
    case = make_case()
    due = scheduled(case)
    with pytest.raises(ValidationFailed) as refused:
        record(case, visited_on=dt.date(2026, 3, 11))
    assert refused.value.errors["visited_on"] == [
        "走访日期不能晚于今天（2026年3月10日），请填写实际走访的日期。"
    ]
    _nothing_recorded(case, due)


def test_it_refuses_a_visit_date_before_the_case_opened() -> None:
    with time_machine.travel(tz(2026, 3, 10), tick=False):
        case = make_case()
        due = scheduled(case)
    with (
        time_machine.travel(tz(2026, 3, 12), tick=False),
        pytest.raises(ValidationFailed) as refused,
    ):
        record(case, visited_on=dt.date(2026, 3, 9))
    assert refused.value.errors["visited_on"] == [
        "走访日期不能早于开案日期（2026年3月10日），请核对日期。"
    ]
    _nothing_recorded(case, due)


def test_it_refuses_a_child_not_seen_without_a_reason() -> None:
    case = make_case()
    due = scheduled(case)
    with pytest.raises(ValidationFailed) as refused:
        record(case, child_seen=False, not_seen_reason="  ")
    assert list(refused.value.errors) == ["not_seen_reason"]
    assert "请写明原因" in str(refused.value.errors["not_seen_reason"][0])
    _nothing_recorded(case, due)


def test_it_names_every_missing_answer() -> None:
    case = make_case()
    due = scheduled(case)
    with pytest.raises(ValidationFailed) as refused:
        record(
            case,
            visited_on=None,
            child_seen=None,
            living_conditions="",
            safety="unknown",
            schooling="",
            health="",
            notes="字" * 5001,
        )
    assert set(refused.value.errors) == {
        "visited_on",
        "child_seen",
        "living_conditions",
        "safety",
        "schooling",
        "health",
        "notes",
    }
    assert refused.value.errors["safety"] == ["请选择安全状况。"]
    assert "不能超过 5000 个字" in str(refused.value.errors["notes"][0])
    _nothing_recorded(case, due)


def test_it_keeps_notes_of_exactly_five_thousand_characters() -> None:
    case = make_case()
    assert len(record(case, notes="字" * 5000).notes) == 5000


def test_it_refuses_a_visit_to_a_closed_case() -> None:
    case = make_case()
    case_close(actor=director(), case=case, reason="moved_out")
    with pytest.raises(CaseClosed):
        record(case)
    assert not Visit.objects.filter(case=case, status=Visit.Status.DONE).exists()


@pytest.mark.parametrize(
    ("make_actor", "message"),
    [
        (department_officer, "不能记录走访"),
        (social_worker, "不能记录走访"),
        (lambda: director(OTHER_COUNTY_VILLAGE), "不在您的管辖范围内"),
    ],
)
def test_it_refuses_those_who_may_not_record(make_actor: Any, message: str) -> None:
    case = make_case()
    due = scheduled(case)
    with pytest.raises(PermissionRefused, match=message):
        record(case, actor=make_actor())
    _nothing_recorded(case, due)


@pytest.mark.parametrize("make_actor", [director, supervisor, county_officer])
def test_casework_roles_of_the_jurisdiction_record_visits(make_actor: Any) -> None:
    case = make_case()
    visit = record(case, actor=make_actor())
    assert visit.status == Visit.Status.DONE


# ---- weak connections: the same submit twice ----------------------------------------------


def test_a_retried_submit_with_the_same_token_is_recorded_once() -> None:
    case = make_case()
    first = record(case, client_token="tok-1", photos=[photo()])
    following = scheduled(case)
    again = record(case, client_token="tok-1", photos=[photo()])
    assert again.pk == first.pk
    assert Visit.objects.filter(case=case, status=Visit.Status.DONE).count() == 1
    assert scheduled(case).pk == following.pk
    assert VisitPhoto.objects.count() == 1
    assert AuditEntry.objects.filter(verb=Verb.VISIT_RECORDED).count() == 1


def test_a_token_used_for_another_case_is_refused() -> None:
    case = make_case()
    other = make_case(make_child())
    record(case, client_token="tok-2")
    with pytest.raises(VisitTokenReused):
        record(other, client_token="tok-2")
    assert not Visit.objects.filter(case=other, status=Visit.Status.DONE).exists()


def test_two_visits_without_tokens_are_two_visits() -> None:
    case = make_case()
    record(case)
    record(case)
    assert Visit.objects.filter(case=case, status=Visit.Status.DONE).count() == 2
    assert Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED).count() == 1


# ---- photos -------------------------------------------------------------------------------


def test_it_keeps_photos_of_the_three_types_under_generated_names() -> None:
    case = make_case()
    visit = record(
        case, photos=[photo(JPEG, "张小明家.jpg"), photo(PNG, "a.png"), photo(WEBP, "b.webp")]
    )
    stored = list(visit.photos.order_by("pk"))
    assert [p.content_type for p in stored] == ["image/jpeg", "image/png", "image/webp"]
    assert stored[0].size == len(JPEG)
    assert "张小明" not in (stored[0].file.name or "")
    assert (stored[0].file.name or "").startswith(f"visits/{case.pk}/{visit.pk}/")
    with stored[1].file.open("rb") as handle:
        assert handle.read() == PNG


@pytest.mark.parametrize(
    ("photos", "expected"),
    [
        ([photo(GIF, "photo.jpg")], "第 1 张照片不是 JPG、PNG 或 WEBP 格式的图片"),
        ([photo(), photo(b"%PDF-1.7 ...", "scan.jpg")], "第 2 张照片不是 JPG"),
        ([photo(JPEG + b"\x00" * MAX_PHOTO_BYTES)], "第 1 张照片超过 10MB"),
        ([photo(b"", "empty.jpg")], "第 1 张照片是空文件"),
        ([photo() for _ in range(7)], "最多上传 6 张照片"),
    ],
)
def test_it_refuses_a_bad_photo_and_saves_nothing(photos: list[Any], expected: str) -> None:
    case = make_case()
    due = scheduled(case)
    with pytest.raises(ValidationFailed) as refused:
        record(case, photos=photos)
    assert expected in " ".join(str(m) for m in refused.value.errors["photos"])
    _nothing_recorded(case, due)


def test_it_takes_six_photos() -> None:
    case = make_case()
    assert record(case, photos=[photo() for _ in range(6)]).photos.count() == 6


# ---- the rest -----------------------------------------------------------------------------


def test_it_creates_a_done_visit_when_none_is_scheduled() -> None:
    case = make_case()
    Visit.objects.filter(case=case).update(status=Visit.Status.CANCELLED)
    visit = record(case)
    assert visit.schedule_reason["zh"] == "未排期的走访"
    assert visit.due_on == visit.visited_on
    assert scheduled(case).due_on > visit.visited_on


def test_a_visit_entered_late_does_not_move_the_schedule() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        case = make_case()
    with time_machine.travel(tz(2026, 3, 20), tick=False):
        record(case, visited_on=dt.date(2026, 3, 18))
        following = scheduled(case)
        late = record(case, visited_on=dt.date(2026, 3, 10))
    assert late.pk != following.pk
    assert scheduled(case).pk == following.pk
    assert scheduled(case).due_on == dt.date(2026, 6, 18)


def test_it_records_who_and_when_and_audits_the_findings() -> None:
    case = make_case()
    actor = director()
    visit = record(
        case, actor=actor, child_seen=False, not_seen_reason="随母亲外出", safety="danger"
    )
    assert (visit.recorded_by, visit.not_seen_reason) == (actor, "随母亲外出")
    entry = AuditEntry.objects.get(verb=Verb.VISIT_RECORDED)
    assert (entry.actor, entry.object_id, entry.child_id) == (actor, str(visit.pk), case.child_id)
    assert entry.changes["safety"] == "danger"
    assert entry.changes["next_due_on"] == scheduled(case).due_on.isoformat()
    assert visit_requires_report(visit)


def test_a_reason_is_not_kept_when_the_child_was_seen() -> None:
    visit = record(make_case(), child_seen=True, not_seen_reason="不相关")
    assert visit.not_seen_reason == ""
    assert not visit_requires_report(visit)


def test_due_visits_come_overdue_first_within_the_jurisdiction() -> None:
    with time_machine.travel(tz(2026, 3, 2), tick=False):
        early = make_case()
    with time_machine.travel(tz(2026, 3, 16), tick=False):
        late = make_case(make_child())
    make_case(make_child(OTHER_COUNTY_VILLAGE))
    due = list(visits_scheduled_visible_to(user=director()))
    assert [v.case_id for v in due] == [early.pk, late.pk]
    assert list(visits_scheduled_visible_to(user=department_officer())) != []
    assert list(visits_scheduled_visible_to(user=social_worker())) == []


# ---- two submits of one form at the same moment (PostgreSQL) -------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_form_record_one_visit() -> None:
    """The first submit holds the case row (SELECT … FOR UPDATE) until it commits; the
    second waits on that lock (seen in pg_stat_activity before the first commits) and finds the
    first visit by its token instead of recording another."""
    require_postgresql()
    case = make_case()
    actor = director()

    race = while_held(
        lambda: record(case, actor=actor, client_token="same-form"),
        lambda: record(case, actor=actor, client_token="same-form"),
    )

    assert race.error is None, race.error
    assert race.saw_lock
    assert race.second.pk == race.first.pk
    assert Visit.objects.filter(case=case, status=Visit.Status.DONE).count() == 1
    assert AuditEntry.objects.filter(verb=Verb.VISIT_RECORDED).count() == 1
