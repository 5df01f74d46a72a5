from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.regions.models import Region
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db

URL = reverse("regions:import")
GOOD = (
    "code,name,level,urban_rural\n"
    "511502001000,示例街道,township,\n"
    "511502001001,示例社区,village,111\n"
    "511502001002,,village,111\n"
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(data: bytes, name: str = "towns.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_it_shows_the_import_form_to_an_administrator(admin_user) -> None:
    response = _client(admin_user).get(URL)
    assert response.status_code == 200
    assert "区划表文件（CSV）" in response.content.decode()


def test_it_imports_and_shows_the_report_with_rejected_rows(admin_user) -> None:
    region("511502000000")
    response = _client(admin_user).post(
        URL, {"file": _upload(GOOD.encode("gbk")), "source_year": 2023}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<td data-count="created">2</td>' in page
    assert '<td data-count="rejected">1</td>' in page
    assert "<td>4</td><td><code>511502001002</code></td><td>名称不能为空</td>" in page
    assert Region.objects.filter(code="511502001001").exists()
    assert AuditEntry.objects.get(verb=Verb.REGIONS_IMPORTED).actor == admin_user


def test_it_refuses_a_broken_file_with_an_error_at_the_top(admin_user) -> None:
    region("511502000000")
    before = Region.objects.count()
    response = _client(admin_user).post(
        URL, {"file": _upload(b"code,name\n511502001000,x\n"), "source_year": 2023}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert "区划表缺少必需的列" in page
    assert Region.objects.count() == before


def test_it_names_a_missing_year(admin_user) -> None:
    response = _client(admin_user).post(URL, {"file": _upload(GOOD.encode())})
    assert response.status_code == 400
    assert 'href="#id_source_year"' in response.content.decode()


@pytest.mark.parametrize("persona", ["village_director", "county_officer", "township_supervisor"])
def test_it_refuses_the_page_to_anyone_but_administrators(request, persona: str) -> None:
    user = request.getfixturevalue(persona)
    client = _client(user)
    before = Region.objects.count()
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"file": _upload(GOOD.encode()), "source_year": 2023})
    assert response.status_code == 403
    assert Region.objects.count() == before


def test_it_sends_anonymous_visitors_to_sign_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
