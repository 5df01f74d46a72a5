import pytest
from django.urls import reverse

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.regions.tests.factories import region
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")


def test_it_shows_the_director_her_children_newest_first_with_key_facts(client, village_director):
    ChildFactory(name="先登记", living_arrangement="alone")
    ChildFactory(name="后登记", disability_category="physical", disability_grade=3)
    ChildFactory(name="邻村", region=region("511502001002"))
    client.force_login(village_director)

    response = client.get(HOME)

    page = response.content.decode()
    assert [c.name for c in response.context["children"]] == ["后登记", "先登记"]
    assert "邻村" not in page
    assert "独自居住" in page
    assert "肢体残疾 · 3级" in page
    assert "岁" in page


def test_it_shows_the_supervisor_counts_per_village_and_recent_registrations(
    client, township_supervisor
):
    ChildFactory(name="甲村一", living_arrangement="alone")
    ChildFactory(name="甲村二")
    ChildFactory(name="乙村一", region=region("511502001002", name="乙村"))
    ChildFactory(name="外乡", region=region("511502002001"))
    client.force_login(township_supervisor)

    response = client.get(HOME)

    counts = {c.prefix: (c.total, c.living_alone) for c in response.context["counts"]}
    assert counts == {"511502001001": (2, 1), "511502001002": (1, 0)}
    page = response.content.decode()
    assert "乙村" in page
    assert "外乡" not in page
    assert "最近登记" in page


def test_it_shows_an_analyst_counts_by_county_and_never_a_child(client):
    analyst = make_user(Role.CITY_ANALYST, "5115")
    ChildFactory(name="翠屏儿童")
    ChildFactory(name="长宁儿童", region=region("511524100201"))
    ChildFactory(name="成都儿童", region=region("510104001001"))
    client.force_login(analyst)

    response = client.get(HOME)

    page = response.content.decode()
    counts = {c.prefix: c.total for c in response.context["counts"]}
    assert counts == {"511502": 1, "511524": 1}
    assert "翠屏区" in page
    assert "长宁县" in page
    for name in ("翠屏儿童", "长宁儿童", "成都儿童"):
        assert name not in page
    assert reverse("web:children") not in page
    assert 'data-hh-chart="hh-counts-data"' in page


def test_it_gives_the_administrator_links_to_accounts_regions_and_audit(client, admin_user):
    ChildFactory(name="某儿童")
    client.force_login(admin_user)

    page = client.get(HOME).content.decode()

    assert reverse("accounts:list") in page
    assert reverse("regions:import") in page
    assert reverse("audit:search") in page
    assert "某儿童" not in page


def test_it_points_a_director_to_the_children_no_category_covers(client, village_director):
    import datetime as dt

    from django.utils import timezone

    from hehu.policy.models import ChildClassification
    from hehu.policy.services import child_classify

    today = timezone.localdate()
    # Seventeen and living alone: a sign of need, but too old for guardianship_risk.
    # About 17 years and 3 months old, whatever today is.
    child = ChildFactory(living_arrangement="alone", birth_date=today - dt.timedelta(days=6300))
    child_classify(child=child, source=ChildClassification.Source.MANUAL)
    assert ChildClassification.objects.get(child=child).coverage_gap
    client.force_login(village_director)

    page = client.get(HOME).content.decode()

    assert 'href="/gaps/"' in page
    assert "不属于任何困境儿童类别" in page


def test_it_says_nothing_about_gaps_when_there_are_none(client, village_director):
    ChildFactory()
    client.force_login(village_director)
    assert "不属于任何困境儿童类别" not in client.get(HOME).content.decode()


def test_the_director_sees_each_childs_next_visit_and_what_is_overdue(client, village_director):
    import datetime as dt

    from django.utils import timezone

    from hehu.cases.models import Visit
    from hehu.cases.tests.factories import make_case

    followed = ChildFactory(name="有个案")
    case = make_case(followed, actor=village_director)
    late = timezone.localdate() - dt.timedelta(days=3)
    Visit.objects.filter(case=case).update(due_on=late)
    case.work_items.filter(kind="visit").update(due_on=late)
    ChildFactory(name="无个案")
    client.force_login(village_director)

    page = client.get(HOME).content.decode()

    assert "走访已逾期" in page
    assert page.count("走访已逾期") == 1
    assert "您有 1 项已逾期" in page
