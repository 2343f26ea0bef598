"""Deploy settings, the Content-Security-Policy, and the cap on request bodies."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts.middleware import client_ip

ROOT = Path(__file__).resolve().parents[2]


class TestDeploySettings:
    def test_deploy_check_passes_with_production_settings(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "deploy-check-" + "k" * 60,
            "ALLOWED_HOSTS": "tsuzuku.example.com",
            # Production refuses SQLite; the check itself never connects.
            "DATABASE_URL": "postgres://check@127.0.0.1:5432/not-connected",
        }
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def _nonce_of(header: str) -> str:
    match = re.search(r"script-src [^;]*'nonce-([^']+)'", header)
    assert match, header
    return match.group(1)


@pytest.mark.django_db
class TestContentSecurityPolicy:
    def test_page_has_the_policy_and_its_inline_script_the_nonce(self, client, staff):
        client.force_login(staff)
        response = client.get(reverse("home"))
        header = response["Content-Security-Policy"]
        nonce = _nonce_of(header)
        assert f'<script nonce="{nonce}">' in response.content.decode()
        script_src = re.search(r"script-src ([^;]*)", header).group(1)
        assert "'unsafe-inline'" not in script_src
        assert "frame-ancestors 'none'" in header
        assert "object-src 'none'" in header

    def test_each_response_gets_a_new_nonce(self, client, staff):
        client.force_login(staff)
        first = _nonce_of(client.get(reverse("home"))["Content-Security-Policy"])
        second = _nonce_of(client.get(reverse("home"))["Content-Security-Policy"])
        assert first != second

    def test_pages_have_no_inline_event_handlers(self, client, manager):
        client.force_login(manager)
        pages = [
            reverse("home"),
            reverse("accounts:token-list"),
            reverse("accounts:member-list", kwargs={"shop": "kobo"}),
            reverse("accounts:audit-list", kwargs={"shop": "kobo"}),
        ]
        for url in pages:
            body = client.get(url).content.decode()
            assert re.findall(r"\son[a-z]+=", body) == [], url
            assert "javascript:" not in body, url

    def test_api_docs_scripts_carry_the_nonce(self, client, staff):
        client.force_login(staff)
        response = client.get(reverse("api-docs"))
        nonce = _nonce_of(response["Content-Security-Policy"])
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert len(scripts) >= 3
        assert all(f'nonce="{nonce}"' in tag for tag in scripts)

    def test_api_docs_load_nothing_from_outside_the_project(self, client, staff):
        client.force_login(staff)
        response = client.get(reverse("api-docs"))
        body = response.content.decode()
        policy = response["Content-Security-Policy"]
        # Swagger UI's scripts, stylesheet and icon are the project's own static files.
        sources = re.findall(r'(?:src|href)="([^"]+)"', body)
        assert any("swagger-ui-bundle.js" in url for url in sources)
        assert all(url.startswith("/") for url in sources), sources
        assert "http" not in policy and "cdn" not in body.lower()
        from django.contrib.staticfiles import finders

        for url in sources:
            if url.startswith("/static/"):
                assert finders.find(url.removeprefix("/static/")), url


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.IMPORT_MAX_BYTES = 5000


@pytest.mark.django_db
@pytest.mark.usefixtures("small_limits")
class TestRequestSizeLimits:
    def test_api_body_over_the_limit_is_413_with_the_error_body(self, api):
        response = api.post(
            "/api/v1/schema/", json.dumps({"text": "x" * 2000}), content_type="application/json"
        )
        assert response.status_code == 413
        body = json.loads(response.content)
        assert body["errors"][0]["code"] == "too_large"
        assert "1000" in body["errors"][0]["message"]

    def test_form_body_over_the_limit_is_a_413_page(self, client):
        response = client.post(
            reverse("login"),
            "username=" + "x" * 2000,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 413
        assert "Request too large" in response.content.decode()

    def test_upload_may_be_larger_up_to_the_import_limit(self, client, staff):
        client.force_login(staff)
        small_upload = client.post(
            reverse("accounts:token-create"),
            {"name": "n", "file": SimpleUploadedFile("rows.csv", b"a" * 3000)},
        )
        too_big = client.post(
            reverse("accounts:token-create"),
            {"name": "n", "file": SimpleUploadedFile("rows.csv", b"a" * 80_000)},
        )
        assert small_upload.status_code == 200
        assert too_big.status_code == 413

    def test_form_field_over_the_limit_inside_an_upload_is_413(self, client, staff):
        client.force_login(staff)
        response = client.post(reverse("accounts:token-create"), {"name": "n" * 1500})
        assert response.status_code == 413


class TestClientAddress:
    @pytest.mark.parametrize(
        ("proxies", "forwarded", "expected"),
        [
            pytest.param(0, "1.1.1.1", "10.0.0.1", id="no-proxy-ignores-header"),
            pytest.param(1, "6.6.6.6, 1.1.1.1", "1.1.1.1", id="one-proxy-takes-last"),
            pytest.param(1, "", "10.0.0.1", id="one-proxy-without-header"),
            pytest.param(2, "6.6.6.6, 1.1.1.1, 10.0.0.5", "1.1.1.1", id="two-proxies"),
        ],
    )
    def test_address_is_read_behind_the_trusted_proxies_only(
        self, rf, proxies, forwarded, expected
    ):
        request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
        with override_settings(TRUSTED_PROXY_COUNT=proxies):
            assert client_ip(request) == expected
