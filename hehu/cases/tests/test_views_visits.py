"""The visit pages: a director's due visits, the form on a phone, history, photos."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Case, Visit, VisitPhoto
from hehu.cases.services.cases import case_close
from hehu.cases.services.visits import visit_record
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

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
OPENED = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)  # a Monday
TODAY = dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "visited_on": "2026-03-05",
        "child_seen": "yes",
        "not_seen_reason": "",
        "living_conditions": "fair",
        "safety": "safe",
        "schooling": "attending",
        "health": "good",
        "notes": "奶奶身体尚可，孩子按时上学。",
        "client_token": "token-abc",
        **overrides,
    }


@pytest.fixture
def case() -> Case:
    with time_machine.travel(OPENED, tick=False):
        return make_case(make_child(name="王小明"))


def record_url(case: Case) -> str:
    return reverse("cases:visit_record", kwargs={"case_id": case.pk})


def done(case: Case) -> int:
    return Visit.objects.filter(case=case, status=Visit.Status.DONE).count()


# ---- my visits ----------------------------------------------------------------------------


def test_my_visits_lists_the_village_s_due_visits_overdue_first(case: Case) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC), tick=False):
        later = make_case(make_child(name="李小红"))
        make_case(make_child(OTHER_COUNTY_VILLAGE, name="外县儿童"))
        response = signed_in(director()).get(reverse("cases:my_visits"))
    assert response.status_code == 200
    text = response.content.decode()
    # The first case's visit was due 2026-03-09 (5 working days after Monday 2 March).
    assert text.index("王小明") < text.index("李小红")
    assert "已逾期 7 天" in text
    assert "还有 5 个工作日" in text
    assert "开案后 5 个工作日内首次走访" in text
    assert "外县儿童" not in text
    assert record_url(case) in text
    assert record_url(later) in text


def test_my_visits_is_refused_to_a_role_without_cases() -> None:
    admin = make_user(Role.ADMIN, "")
    assert signed_in(admin).get(reverse("cases:my_visits")).status_code == 403


def test_my_visits_needs_a_sign_in() -> None:
    response = Client().get(reverse("cases:my_visits"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# ---- the form -----------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_the_form_is_ready_for_a_phone(case: Case) -> None:
    response = signed_in(director()).get(record_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="date"' in html
    assert 'value="2026-03-05"' in html
    assert 'max="2026-03-05"' in html
    assert 'min="2026-03-02"' in html
    assert 'accept="image/*" capture="environment" multiple' in html
    assert 'enctype="multipart/form-data"' in html
    token = re.search(r'name="client_token" value="([^"]+)"', html)
    assert token is not None
    assert len(token.group(1)) >= 24
    for name in ("child_seen", "living_conditions", "safety", "schooling", "health"):
        assert f'name="{name}"' in html
    assert "王小明" in html


@time_machine.travel(TODAY, tick=False)
def test_each_form_gets_its_own_token(case: Case) -> None:
    client = signed_in(director())
    first = re.findall(
        r'name="client_token" value="([^"]+)"', client.get(record_url(case)).content.decode()
    )
    second = re.findall(
        r'name="client_token" value="([^"]+)"', client.get(record_url(case)).content.decode()
    )
    assert first != second


@time_machine.travel(TODAY, tick=False)
def test_recording_a_visit_shows_the_confirmation_and_the_next_due_date(case: Case) -> None:
    client = signed_in(director())
    photo = SimpleUploadedFile("IMG_1.jpg", JPEG, content_type="image/jpeg")
    response = client.post(record_url(case), {**form_data(), "photos": [photo]})
    visit = Visit.objects.get(case=case, status=Visit.Status.DONE)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "cases:visit_detail", kwargs={"case_id": case.pk, "visit_id": visit.pk}
    )
    page = client.get(response["Location"]).content.decode()
    assert "走访已记录" in page
    assert "应于 2026年6月5日 前走访" in page
    assert "一般：每 3 个月走访一次" in page
    assert "立即拨打 110" not in page
    assert visit.photos.count() == 1
    assert visit.client_token == "token-abc"


@time_machine.travel(TODAY, tick=False)
def test_a_resubmitted_form_records_the_visit_once(case: Case) -> None:
    client = signed_in(director())
    first = client.post(record_url(case), form_data())
    second = client.post(record_url(case), form_data())
    assert first["Location"] == second["Location"]
    assert done(case) == 1


@time_machine.travel(TODAY, tick=False)
def test_danger_tells_the_director_to_call_the_police_at_once(case: Case) -> None:
    client = signed_in(director())
    response = client.post(record_url(case), form_data(safety="danger"), follow=True)
    page = response.content.decode()
    assert "现在请这样做" in page
    assert "立即拨打 110 向公安机关报告" in page


@time_machine.travel(TODAY, tick=False)
def test_a_child_not_seen_tells_the_director_what_to_do(case: Case) -> None:
    client = signed_in(director())
    data = form_data(child_seen="no", not_seen_reason="随母亲去县城看病")
    page = client.post(record_url(case), data, follow=True).content.decode()
    assert "尽快再次上门" in page
    assert "随母亲去县城看病" in page


@time_machine.travel(TODAY, tick=False)
def test_a_refused_form_keeps_what_was_typed_and_links_each_error(case: Case) -> None:
    client = signed_in(director())
    photo = SimpleUploadedFile("IMG_1.jpg", JPEG, content_type="image/jpeg")
    data = form_data(child_seen="no", safety="", visited_on="2026-03-06", notes="门锁着，邻居说")
    response = client.post(record_url(case), {**data, "photos": [photo]})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="hh-error-summary"' in html
    assert 'href="#id_visited_on"' in html
    assert 'href="#id_not_seen_reason"' in html
    assert 'href="#id_safety_0"' in html
    assert 'id="id_safety_0"' in html
    assert "走访日期不能晚于今天（2026年3月5日）" in html
    assert "门锁着，邻居说" in html
    assert 'value="token-abc"' in html
    assert 'value="no" class="form-check-input" id="id_child_seen_1" checked' in html
    assert "照片需要重新选择" in html
    assert done(case) == 0
    assert not VisitPhoto.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_a_photo_that_is_not_an_image_is_refused_at_its_field(case: Case) -> None:
    client = signed_in(director())
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100, content_type="image/jpeg")
    response = client.post(record_url(case), {**form_data(), "photos": [fake]})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_photos"' in html
    assert "第 1 张照片不是 JPG、PNG 或 WEBP 格式的图片" in html
    assert done(case) == 0


@time_machine.travel(TODAY, tick=False)
def test_a_malformed_date_is_refused_in_plain_words(case: Case) -> None:
    response = signed_in(director()).post(record_url(case), form_data(visited_on="5/3"))
    assert response.status_code == 400
    assert "请按 年-月-日 填写走访日期" in response.content.decode()


def test_a_closed_case_sends_the_director_back_to_its_history(case: Case) -> None:
    case_close(actor=director(), case=case, reason="moved_out")
    response = signed_in(director()).get(record_url(case))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:visits", kwargs={"case_id": case.pk})


# ---- who may ------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_a_case_elsewhere_is_not_found_and_nothing_changes(case: Case) -> None:
    client = signed_in(director(OTHER_COUNTY_VILLAGE))
    assert client.get(record_url(case)).status_code == 404
    assert client.post(record_url(case), form_data()).status_code == 404
    assert client.get(reverse("cases:visits", kwargs={"case_id": case.pk})).status_code == 404
    assert client.get(reverse("cases:visit_record", kwargs={"case_id": 999999})).status_code == 404
    assert done(case) == 0
    assert not AuditEntry.objects.filter(verb__in=[Verb.VISIT_RECORDED, Verb.CASE_VIEWED]).exists()


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("make_actor", [department_officer, social_worker])
def test_roles_that_do_not_work_cases_cannot_record(case: Case, make_actor: Any) -> None:
    actor = make_actor()
    if actor.role == Role.SOCIAL_WORKER:
        # Not referred to the worker's organisation: the case does not exist for them.
        assert signed_in(actor).get(record_url(case)).status_code == 404
        return
    client = signed_in(actor)
    assert client.get(record_url(case)).status_code == 403
    assert client.post(record_url(case), form_data()).status_code == 403
    assert client.get(reverse("cases:visits", kwargs={"case_id": case.pk})).status_code == 200
    assert done(case) == 0


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("make_actor", [director, supervisor, county_officer])
def test_casework_roles_record_visits(case: Case, make_actor: Any) -> None:
    response = signed_in(make_actor()).post(record_url(case), form_data())
    assert response.status_code == 302
    assert done(case) == 1


# ---- history and photos -------------------------------------------------------------------


def _recorded(case: Case, on: dt.datetime, **kw: Any) -> Visit:
    with time_machine.travel(on, tick=False):
        return visit_record(
            actor=director(),
            case=case,
            visited_on=on.date(),
            child_seen=True,
            not_seen_reason="",
            living_conditions="poor",
            safety="concern",
            schooling="irregular",
            health="ill",
            notes="屋顶漏雨。",
            **kw,
        )


def test_the_history_shows_visits_made_and_the_next_one_overdue_in_red(case: Case) -> None:
    _recorded(case, TODAY)
    user = director()
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC), tick=False):
        response = signed_in(user).get(reverse("cases:visits", kwargs={"case_id": case.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026年3月5日" in html
    assert "较差" in html
    assert "有隐患" in html
    assert "屋顶漏雨。" in html
    assert '<strong class="text-danger hh-overdue">已逾期 10 天</strong>' in html
    assert "一般：每 3 个月走访一次" in html
    entry = AuditEntry.objects.get(verb=Verb.CASE_VIEWED, actor=user)
    assert (entry.object_type, entry.object_id, entry.changes["part"]) == (
        "case",
        str(case.pk),
        "visits",
    )


def test_the_history_counts_days_left_of_a_monthly_visit() -> None:
    with time_machine.travel(OPENED, tick=False):
        case = make_case(make_child(guardianship_grade="absent"))
    _recorded(case, TODAY)
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC), tick=False):
        html = signed_in(director()).get(reverse("cases:visits", kwargs={"case_id": case.pk}))
    # Due 5 April, Qingming, so on the next working day, 7 April (Civil Code art. 203).
    assert "还有 18 天" in html.content.decode()


def test_a_photo_is_served_to_those_who_may_see_the_case_and_audited(case: Case) -> None:
    visit = _recorded(
        case, TODAY, photos=[SimpleUploadedFile("a.jpg", JPEG, content_type="image/jpeg")]
    )
    photo = visit.photos.get()
    url = reverse(
        "cases:visit_photo",
        kwargs={"case_id": case.pk, "visit_id": visit.pk, "photo_id": photo.pk},
    )
    viewer = supervisor()
    response = signed_in(viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == JPEG  # type: ignore[attr-defined]
    entry = AuditEntry.objects.get(verb=Verb.CASE_VIEWED, actor=viewer)
    assert entry.changes == {"part": "visit_photo", "visit": visit.pk, "photo": photo.pk}
    assert signed_in(director(OTHER_COUNTY_VILLAGE)).get(url).status_code == 404
    other = make_case(make_child())
    wrong_case = reverse(
        "cases:visit_photo",
        kwargs={"case_id": other.pk, "visit_id": visit.pk, "photo_id": photo.pk},
    )
    assert signed_in(viewer).get(wrong_case).status_code == 404


def test_my_visits_takes_a_fixed_number_of_queries(
    case: Case, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        make_case(make_child())
    client = signed_in(director())
    client.get(reverse("cases:my_visits"))  # the session and the user, once
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:my_visits"))
    assert response.content.decode().count("记录走访：") == 6


def test_the_history_links_back_to_the_case(case: Case) -> None:
    html = signed_in(director()).get(reverse("cases:visits", kwargs={"case_id": case.pk}))
    assert f'href="/cases/{case.pk}/"' in html.content.decode()
