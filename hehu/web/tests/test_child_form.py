import datetime as dt

import pytest
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.registry.models import Child, ParentCondition
from hehu.registry.services import child_register, child_update
from hehu.registry.tests.factories import VILLAGE, child_data, full_child_data, make_id_number
from hehu.web.tests.helpers import child_post, management, with_parent_condition

pytestmark = pytest.mark.django_db
REGISTER = reverse("web:child_register")


def test_it_registers_a_child_with_a_parent_condition_and_opens_the_file(client, village_director):
    client.force_login(village_director)
    number = make_id_number()

    response = client.post(REGISTER, with_parent_condition(id_number=number, no_id_reason=""))

    child = Child.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:child", args=[child.pk])
    assert child.id_number_last4 == number[-4:]
    condition = ParentCondition.objects.get(parent__child=child, parent__role="mother")
    assert (condition.type, condition.since, condition.term_months) == (
        "imprisoned",
        dt.date(2024, 3, 1),
        36,
    )
    assert condition.evidence_kind == "judgment"
    assert not child.parents.filter(role="father").exists()


def test_it_offers_the_directors_own_village_as_the_residence(client, village_director):
    client.force_login(village_director)

    page = client.get(REGISTER).content.decode()

    assert f'name="region_code" value="{VILLAGE}"' in page


def test_it_lists_every_error_at_the_top_linking_to_its_field_and_keeps_the_input(
    client, village_director
):
    client.force_login(village_director)
    data = with_parent_condition(
        name="",
        id_number="110105194912310021",
        no_id_reason="",
        **{"mother-cond-0-until": "2023-01-01", "member-0-relation": "祖母"},
    )

    response = client.post(REGISTER, data)

    page = response.content.decode()
    assert response.status_code == 400
    assert not Child.objects.exists()
    summary = page.split('id="hh-error-summary"')[1].split("</div>")[0]
    assert 'href="#id_name"' in summary
    assert 'href="#id_id_number"' in summary
    assert "身份证号码校验位不正确，请核对最后一位" in summary
    # The parent's condition error points at the row and field it is about.
    assert 'href="#id_mother-cond-0-until"' in summary
    assert "结束日期不能早于开始日期" in summary
    # The household member without a name is pointed at too.
    assert 'href="#id_member-0-name"' in summary
    # The message also stands next to the field, which says it is invalid.
    assert 'id="id_mother-cond-0-until_error"' in page
    assert 'aria-invalid="true"' in page
    # Nothing typed is lost.
    assert 'value="110105194912310021"' in page
    assert 'value="(2024)川1502刑初1号"' in page
    assert 'value="2023-01-01"' in page


def test_it_maps_the_error_of_the_second_condition_row_when_the_first_is_empty(
    client, village_director
):
    client.force_login(village_director)
    data = child_post(
        **{
            "father-vital_status": "alive",
            "father-cond-1-type": "lost_contact",
        }
    )

    page = client.post(REGISTER, data).content.decode()

    assert 'href="#id_father-cond-1-police_accepted_on"' in page
    assert "失联情形须填写公安机关受理报案的日期" in page


def test_it_refuses_a_registered_id_number_and_links_to_the_existing_file(client, village_director):
    number = make_id_number()
    existing = child_register(actor=village_director, data=full_child_data(id_number=number))
    client.force_login(village_director)

    response = client.post(REGISTER, child_post(name="王小华", id_number=number, no_id_reason=""))

    page = response.content.decode()
    assert response.status_code == 400
    assert Child.objects.count() == 1
    assert reverse("web:child", args=[existing.pk]) in page
    assert "该身份证号码已登记" in page


def test_it_shows_likely_duplicates_and_registers_once_confirmed(client, village_director):
    existing = child_register(actor=village_director, data=child_data(name="张伟"))
    client.force_login(village_director)
    data = child_post(name="張偉")

    first = client.post(REGISTER, data)

    page = first.content.decode()
    assert first.status_code == 409
    assert Child.objects.count() == 1
    assert "这不是同一个儿童，继续登记" in page
    assert reverse("web:child", args=[existing.pk]) in page
    assert 'value="張偉"' in page

    second = client.post(REGISTER, {**data, "confirm_not_duplicate": "1"})

    assert second.status_code == 302
    assert Child.objects.filter(name="張偉").exists()


def test_it_refuses_a_residence_outside_the_directors_village_next_to_the_field(
    client, village_director
):
    from hehu.regions.tests.factories import region

    region("511502001002")
    client.force_login(village_director)

    response = client.post(REGISTER, child_post(region_code="511502001002"))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_region_code"' in page
    assert "现居住地不在您的管辖范围内" in page
    assert not Child.objects.exists()


def test_it_reports_a_region_code_that_does_not_exist(client, village_director):
    client.force_login(village_director)

    page = client.post(REGISTER, child_post(hukou_region_code="511502009999")).content.decode()

    assert "区划代码 511502009999 不存在" in page
    assert 'href="#id_hukou_region_code"' in page


def test_it_fills_the_edit_form_with_the_file_and_never_the_id_number(client, village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))
    client.force_login(village_director)

    page = client.get(reverse("web:child_edit", args=[child.pk])).content.decode()

    assert number not in page
    assert 'value="王小花"' in page
    assert 'value="(2024)川1502刑初1号"' in page
    assert 'value="王奶奶"' in page
    assert f'name="version" value="{child.version}"' in page
    assert "留空则保留原号码" in page


def edit_post(child, **fields):
    """The edit form as the browser sends it back unchanged, with some fields changed."""
    data = child_post(
        name=child.name,
        no_id_reason=child.no_id_reason,
        version=child.version,
        **management("member", 1, initial=0),
    )
    data.update({k: str(v) for k, v in fields.items()})
    return data


def test_it_saves_an_edit_keeping_the_id_number_and_recording_the_reason(client, village_director):
    number = make_id_number()
    child = child_register(
        actor=village_director, data=child_data(id_number=number, no_id_reason="")
    )
    client.force_login(village_director)

    response = client.post(
        reverse("web:child_edit", args=[child.pk]),
        edit_post(child, living_arrangement="alone", reason="入户核实"),
    )

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.living_arrangement == "alone"
    assert child.id_number_last4 == number[-4:]
    entry = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED, child_id=child.pk)
    assert entry.reason == "入户核实"
    assert entry.changes["living_arrangement"] == ["with_relatives", "alone"]


def test_it_refuses_a_stale_edit_keeps_the_input_and_overwrites_nothing(
    client, village_director, township_supervisor
):
    child = child_register(actor=village_director, data=child_data())
    stale = edit_post(child, name="王晓花", living_arrangement="alone")
    child_update(
        actor=township_supervisor,
        child=child,
        data=child_data(education="primary", living_arrangement="institution"),
        expected_version=child.version,
    )
    client.force_login(village_director)

    response = client.post(reverse("web:child_edit", args=[child.pk]), stale)

    page = response.content.decode()
    assert response.status_code == 409
    assert 'id="hh-conflict"' in page
    assert "该档案已被他人修改" in page
    assert 'value="王晓花"' in page
    child.refresh_from_db()
    assert (child.name, child.living_arrangement) == ("王小花", "institution")


def test_it_removes_a_condition_row_marked_for_deletion(client, village_director):
    child = child_register(actor=village_director, data=full_child_data())
    client.force_login(village_director)
    page = client.get(reverse("web:child_edit", args=[child.pk])).content.decode()
    assert 'name="mother-cond-0-DELETE"' in page
    data = edit_post(
        child,
        id_number="",
        no_id_reason="",
        **{
            "mother-vital_status": "alive",
            "mother-cond-0-type": "imprisoned",
            "mother-cond-0-since": "2024-03-01",
            "mother-cond-0-DELETE": "on",
            **management("mother-cond", 3, initial=1),
        },
    )

    response = client.post(reverse("web:child_edit", args=[child.pk]), data)

    assert response.status_code == 302
    assert not ParentCondition.objects.filter(parent__child=child).exists()


def test_it_saves_a_household_emptied_of_its_last_member(client, village_director):
    child = child_register(actor=village_director, data=full_child_data())
    assert child.household.members.count() == 1
    client.force_login(village_director)
    data = edit_post(
        child,
        id_number="",
        no_id_reason="",
        **{
            **management("member", 2, initial=1),
            "member-0-name": "王奶奶",
            "member-0-relation": "祖母",
            "member-0-DELETE": "on",
        },
    )

    response = client.post(reverse("web:child_edit", args=[child.pk]), data)

    assert response.status_code == 302
    child.refresh_from_db()
    assert child.household.members.count() == 0
