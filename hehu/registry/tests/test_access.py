import pytest
from django.http import Http404

from hehu.registry.access import access_child_by_id
from hehu.registry.selectors import children_visible_to
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_it_lets_the_village_director_open_a_child_of_her_village(village_director):
    child = ChildFactory()
    assert access_child_by_id(village_director, child.pk) == child


def test_it_hides_the_child_from_a_director_of_another_county(director_elsewhere):
    child = ChildFactory()
    with pytest.raises(Http404):
        access_child_by_id(director_elsewhere, child.pk)
    assert not children_visible_to(user=director_elsewhere).exists()


def test_it_treats_a_missing_child_like_a_hidden_one(village_director):
    with pytest.raises(Http404):
        access_child_by_id(village_director, 999999)


def test_it_shows_the_county_everything_under_its_prefix(county_officer):
    ChildFactory()
    assert children_visible_to(user=county_officer).count() == 1


def test_it_gives_analysts_no_individual_files(db):
    from hehu.accounts.models import Role
    from hehu.accounts.tests.factories import make_user

    analyst = make_user(Role.PROVINCE_ANALYST, "51")
    ChildFactory()
    assert not children_visible_to(user=analyst).exists()
