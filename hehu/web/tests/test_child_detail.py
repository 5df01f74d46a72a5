import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.registry.models import Attachment
from hehu.registry.services import child_register, child_update
from hehu.registry.services.needs import NeedData, child_assessed_needs_set
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def child(village_director):
    return child_register(actor=village_director, data=full_child_data(id_number=make_id_number()))


def test_it_shows_every_section_of_the_file(client, village_director, child):
    client.force_login(village_director)

    page = client.get(reverse("web:child", args=[child.pk])).content.decode()

    for heading in ("身份", "居住与户籍", "家庭", "父母", "监护人", "就学与健康", "保护关切"):
        assert f">{heading}</h2>" in page
    assert "服刑在押" in page  # the mother's condition
    assert "(2024)川1502刑初1号" in page  # with its evidence
    assert "2024年3月1日" in page  # dates the Chinese way
    assert "死亡" in page  # the father's vital status
    assert "王奶奶" in page  # guardian and household member
    assert "忽视" in page  # protection concern
    assert "低保（儿童）" in page  # benefit received
    assert f"**************{child.id_number_last4}" in page


def test_it_shows_the_needs_of_the_latest_needs_assessment(client, village_director, child):
    client.force_login(village_director)
    page = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert ">评估需求</h2>" in page
    assert "无（未做需求评估，或最近一次评估没有发现需求）。" in page

    child_assessed_needs_set(
        actor=village_director,
        child=child,
        needs=[NeedData(domain="rehabilitation", level="high", support="service")],
        assessed_on=dt.date(2026, 3, 2),
        reason="需求评估",
    )
    page = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert "最近一次需求评估（2026年3月2日）发现的需求" in page
    assert "康复 · 需求高 · 支持方式：服务" in page


def test_it_never_shows_the_full_id_number_on_opening(client, village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))
    client.force_login(village_director)

    page = client.get(reverse("web:child", args=[child.pk])).content.decode()

    assert number not in page


def test_it_records_every_view_of_the_file(client, village_director, child):
    client.force_login(village_director)

    client.get(reverse("web:child", args=[child.pk]))
    client.get(reverse("web:child", args=[child.pk]))

    views = AuditEntry.objects.filter(verb=Verb.CHILD_VIEWED, child_id=child.pk)
    assert views.count() == 2
    assert views.first().actor == village_director


def test_it_shows_the_region_path_on_hover(client, village_director, child):
    client.force_login(village_director)

    page = client.get(reverse("web:child", args=[child.pk])).content.decode()

    assert 'title="四川省 / 宜宾市 / 翠屏区 / ' in page


def test_it_reveals_the_full_id_number_once_for_a_stated_reason(client, village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))
    client.force_login(village_director)

    response = client.post(reverse("web:child_reveal", args=[child.pk]), {"reason": "办理低保"})

    assert number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(verb=Verb.CHILD_ID_REVEALED)
    assert (entry.reason, entry.actor) == ("办理低保", village_director)
    assert number not in client.get(reverse("web:child", args=[child.pk])).content.decode()


def test_it_asks_for_a_reason_before_revealing(client, village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))
    client.force_login(village_director)

    response = client.post(reverse("web:child_reveal", args=[child.pk]), {"reason": ""})

    assert response.status_code == 400
    assert number not in response.content.decode()
    assert "请填写查看完整身份证号码的理由" in response.content.decode()
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_ID_REVEALED).exists()


def test_it_uploads_an_attachment_and_serves_it_only_through_the_file(
    client, village_director, child, director_elsewhere
):
    client.force_login(village_director)
    upload = SimpleUploadedFile("判决书.pdf", PDF, content_type="application/pdf")

    response = client.post(
        reverse("web:child_attachment_add", args=[child.pk]),
        {"title": "母亲服刑判决书", "kind": "判决书", "file": upload},
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get(child=child)
    url = reverse("web:child_attachment", args=[child.pk, attachment.pk])
    assert url in client.get(reverse("web:child", args=[child.pk])).content.decode()
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(
        verb=Verb.CHILD_VIEWED, object_type="attachment", object_id=str(attachment.pk)
    ).exists()
    client.force_login(director_elsewhere)
    assert client.get(url).status_code == 404


def test_it_refuses_a_file_that_is_not_a_document_and_says_why(client, village_director, child):
    client.force_login(village_director)
    upload = SimpleUploadedFile("a.exe", b"MZ\x90\x00" * 10, content_type="application/pdf")

    response = client.post(
        reverse("web:child_attachment_add", args=[child.pk]),
        {"title": "证明", "file": upload},
    )

    assert response.status_code == 400
    assert "只能上传PDF、JPG、PNG、HEIC或WEBP格式的文件" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_does_not_serve_an_attachment_through_another_childs_url(
    client, village_director, child
):
    other = child_register(actor=village_director, data=child_data(name="李四"))
    attachment = Attachment.objects.create(child=child, title="x", file="children/x.pdf")
    client.force_login(village_director)

    response = client.get(reverse("web:child_attachment", args=[other.pk, attachment.pk]))

    assert response.status_code == 404


def test_it_shows_who_changed_what_from_old_to_new(client, village_director, child):
    child_update(
        actor=village_director,
        child=child,
        data=full_child_data(living_arrangement="alone"),
        expected_version=child.version,
        reason="入户核实",
    )
    client.force_login(village_director)

    page = client.get(reverse("web:child", args=[child.pk])).content.decode()

    history = page.split('id="history"')[1]
    assert "修改儿童档案" in history
    assert "入户核实" in history
    assert str(village_director) in history
    assert "居住情况" in history
    assert "与亲属同住" in history
    assert "独自居住" in history


def test_it_links_to_the_facts_export_for_those_who_may_export(client, village_director, child):
    client.force_login(village_director)

    page = client.get(reverse("web:child", args=[child.pk])).content.decode()

    assert f'href="/api/v1/children/{child.pk}/facts/"' in page


def queries_to_open(client, child) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("web:child", args=[child.pk])).status_code == 200
    return len(captured)


def test_it_opens_a_large_file_in_as_many_queries_as_a_small_one(client, village_director):
    from hehu.registry.data import ConditionData, ParentData
    from hehu.registry.models import HouseholdMember

    small = child_register(
        actor=village_director,
        data=full_child_data(
            parents=[
                ParentData(
                    role="mother",
                    conditions=[ConditionData(type="deported", on=dt.date(2023, 6, 1))],
                )
            ]
        ),
    )
    many = [
        ConditionData(type="serious_illness", since=dt.date(2020 + i, 1, 1), illness_name="病")
        for i in range(4)
    ]
    large = child_register(
        actor=village_director,
        data=full_child_data(
            id_number=make_id_number(sequence=40),
            name="李大花",
            parents=[
                ParentData(role="father", vital_status="alive", conditions=many),
                ParentData(role="mother", vital_status="alive", conditions=many),
            ],
        ),
    )
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=large.household, name=f"成员{i}", relation="亲属")
        for i in range(5)
    )
    client.force_login(village_director)

    assert queries_to_open(client, large) == queries_to_open(client, small)


def test_it_links_the_protection_record_for_roles_that_may_see_it(
    client, village_director, county_officer, child
):
    from hehu.accounts.models import Role
    from hehu.accounts.tests.factories import make_user

    link = reverse("protection:child_protection", args=[child.pk])
    client.force_login(county_officer)
    assert link in client.get(reverse("web:child", args=[child.pk])).content.decode()
    police = make_user(Role.DEPARTMENT_OFFICER, "511502", department="public_security")
    client.force_login(police)
    assert link in client.get(reverse("web:child", args=[child.pk])).content.decode()
    # An education officer follows the county's children but not their protection record.
    teacher_desk = make_user(Role.DEPARTMENT_OFFICER, "511502", department="education")
    client.force_login(teacher_desk)
    assert link not in client.get(reverse("web:child", args=[child.pk])).content.decode()


def test_it_says_where_a_placed_child_is_to_the_roles_that_may_know(client, child):
    from hehu.accounts.models import Role
    from hehu.accounts.tests.factories import make_user
    from hehu.protection.tests.factories import make_placement

    make_placement(child)
    county = make_user(Role.COUNTY_CIVIL_AFFAIRS, "511502", department="civil_affairs")
    client.force_login(county)
    page = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert "现由民政部门安置：救助保护机构或儿童福利机构收留抚养" in page
    teacher_desk = make_user(Role.DEPARTMENT_OFFICER, "511502", department="education")
    client.force_login(teacher_desk)
    page = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert "现由民政部门安置" not in page
