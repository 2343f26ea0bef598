"""Fault suite, issue 12 item 9: the API keeps its OpenAPI contract (schemathesis).

A live server on 127.0.0.1:CONTRACT_PORT (default 8401) serves the test database with a
shop, a promise and a manager's token; `st run` (schemathesis, pinned in constraints.txt)
sends generated requests, valid and invalid, to every operation of the schema and fails on
a 5xx, a status the schema does not document, a response body or content type that does
not match it, or an invalid request the server accepts. Bounded: CONTRACT_EXAMPLES cases
per operation (default 10) and 110 seconds at most, under three minutes in all.

In the suite it runs on PostgreSQL (CI's second run); `scripts/contract` runs it alone on
any database (CONTRACT_ON_SQLITE=1 lets it run on SQLite).

positive_data_acceptance is not checked: the schema cannot say which attributes each kind
takes (the services refuse the others with a 400 naming them), so schema-valid bodies with
unknown attributes are refused by design.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.live_server_helper import LiveServer

from accounts.models import Membership, Role
from accounts.tokens import api_token_create
from policies.services import promise_create

pytestmark = [pytest.mark.fault, pytest.mark.contract]

PORT = int(os.environ.get("CONTRACT_PORT", "8401"))
EXAMPLES = os.environ.get("CONTRACT_EXAMPLES", "10")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


@pytest.fixture
def server(transactional_db):
    live = LiveServer(f"127.0.0.1:{PORT}")
    yield live
    live.stop()


def test_the_api_keeps_its_openapi_contract(server, shop, manager, tmp_path):
    if connection.vendor == "sqlite" and not os.environ.get("CONTRACT_ON_SQLITE"):
        pytest.skip("run on PostgreSQL in CI, or with scripts/contract")
    Membership.objects.filter(user=manager).update(role=Role.MANAGER)
    promise_create(shop=shop, kind="handwritten_note", name="Notes", params={}, author=manager)
    _token, key = api_token_create(user=manager, name="contract")
    schema = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    (tmp_path / "schemathesis.toml").write_text(
        "[parameters]\n"
        f'"path.shop" = "{shop.slug}"\n'
        '"path.customer" = "C-1"\n'
        '"path.week" = "2026-W47"\n'
    )
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    result = subprocess.run(  # noqa: S603 - fixed arguments, local server
        [
            st,
            "--config-file",
            str(tmp_path / "schemathesis.toml"),
            "run",
            str(schema),
            "--url",
            server.url,
            "--header",
            f"Authorization: Token {key}",
            "--checks",
            CHECKS,
            "--max-examples",
            EXAMPLES,
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--seed",
            "12",
            "--generation-database",
            "none",
            "--no-color",
            "--request-timeout",
            "30",
            "--max-time",
            "110",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    report = result.stdout[result.stdout.find("FAILURES") :]
    assert result.returncode == 0, report[:20000] + result.stderr[-2000:]
