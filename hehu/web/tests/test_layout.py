import re

import pytest
from django.test import Client
from django.urls import reverse

from hehu.accounts.tests.factories import DEFAULT_PASSWORD
from hehu.registry.services import child_register
from hehu.registry.tests.factories import full_child_data

pytestmark = pytest.mark.django_db


def nav_of(page: str) -> str:
    return page.split('id="hh-nav"')[1].split("</ul>")[0]


def test_it_shows_the_director_her_children_and_registration_but_no_admin_tools(
    client, village_director
):
    client.force_login(village_director)

    nav = nav_of(client.get(reverse("web:home")).content.decode())

    assert "我的儿童" in nav
    assert reverse("web:child_register") in nav
    assert reverse("accounts:list") not in nav
    assert reverse("regions:import") not in nav


def test_it_calls_the_list_a_roster_for_the_county(client, county_officer):
    client.force_login(county_officer)

    nav = nav_of(client.get(reverse("web:home")).content.decode())

    assert "儿童名册" in nav
    assert "我的儿童" not in nav


def test_it_shows_the_administrator_account_and_region_tools_but_no_children(client, admin_user):
    client.force_login(admin_user)

    nav = nav_of(client.get(reverse("web:home")).content.decode())

    assert reverse("accounts:list") in nav
    assert reverse("regions:import") in nav
    assert reverse("web:children") not in nav
    assert reverse("web:child_register") not in nav


def test_it_shows_who_is_signed_in_with_their_role(client, village_director):
    client.force_login(village_director)

    page = client.get(reverse("web:home")).content.decode()

    assert str(village_director) in page
    assert "儿童主任" in page


def test_it_speaks_chinese_by_default_and_english_after_the_switch(client, village_director):
    client.force_login(village_director)
    assert '<html lang="zh-hans">' in client.get(reverse("web:home")).content.decode()

    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": reverse("web:children")}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("web:children")
    assert '<html lang="en">' in page
    # The switch now offers the way back, labelled in its own language.
    assert 'name="language" value="zh-hans" lang="zh-hans">中文' in page


def test_it_switches_language_on_the_sign_in_page_too(client):
    page = client.get(reverse("web:login")).content.decode()

    assert 'action="/i18n/setlang/"' in page
    assert 'value="en"' in page


def test_it_sends_a_content_security_policy_without_inline_scripts_or_styles(
    client, village_director
):
    child = child_register(actor=village_director, data=full_child_data())
    client.force_login(village_director)
    pages = [
        reverse("web:home"),
        reverse("web:children"),
        reverse("web:child", args=[child.pk]),
        reverse("web:child_register"),
        reverse("web:child_edit", args=[child.pk]),
    ]
    for url in pages:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        html = response.content.decode()
        assert " style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        for tag in re.findall(r"<script[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag, (url, tag)


def test_it_refuses_a_form_post_without_the_csrf_token(village_director):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(village_director)
    page = browser.get(reverse("web:child_register")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page

    response = browser.post(reverse("web:child_register"), {"name": "王小花"})

    assert response.status_code == 403


def test_it_signs_out_only_by_post(client, village_director):
    client.force_login(village_director)
    page = client.get(reverse("web:home")).content.decode()
    assert f'method="post" action="{reverse("web:logout")}"' in page

    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))

    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_it_offers_a_skip_link_to_the_main_content(client, village_director):
    client.force_login(village_director)

    page = client.get(reverse("web:home")).content.decode()

    assert 'href="#main"' in page
    assert 'id="main"' in page


def test_it_signs_in_with_a_password_and_lands_on_home(client, village_director):
    response = client.post(
        reverse("web:login"),
        {"username": village_director.username, "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_it_says_plainly_when_the_password_is_wrong_and_keeps_the_username(
    client, village_director
):
    response = client.post(
        reverse("web:login"), {"username": village_director.username, "password": "wrong"}
    )

    page = response.content.decode()
    assert "用户名或密码不正确" in page
    assert f'value="{village_director.username}"' in page
