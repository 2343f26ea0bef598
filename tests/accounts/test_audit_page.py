"""The audit trail reads in words: who, what, before → after, shop time; filters (issue 17)."""

import re
from pathlib import Path

import pytest
from django.test import Client

from accounts.audit import audit_record
from accounts.audit_words import EVENT_WORDS
from accounts.models import AuditEntry
from accounts.services import membership_set
from accounts.tokens import api_token_create

URL = "/account/shops/kobo/audit/"
ROOT = Path(__file__).resolve().parents[2]


def test_every_event_the_code_records_has_words():
    recorded = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'event="([a-z_]+\.[a-z_]+)"', text))
        recorded |= set(re.findall(r'^EVENT_\w+ = "([a-z_]+\.[a-z_]+)"', text, re.M))
    assert recorded, "no event found"
    assert recorded - set(EVENT_WORDS) == set()


@pytest.mark.django_db
class TestAuditPage:
    def test_entries_in_words_with_filters(self, shop, manager, make_user):
        clerk = make_user("clerk")
        membership_set(shop=shop, user=clerk, role="staff", actor=manager)
        membership_set(shop=shop, user=clerk, role="manager", actor=manager)
        api_token_create(user=manager, name="shop system")
        audit_record(
            shop=shop,
            actor=manager,
            event="promise.retired",
            object_type="promise",
            object_id=7,
            before={"name": "Note", "retired_at": None},
            after={"name": "Note", "retired_at": "2026-11-30T01:41:45.833Z"},
        )
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(manager)
        html = client.get(URL).content.decode()
        assert "約束を廃止" in html
        # UTC stored, shop time shown, in the language's format.
        assert "2026年11月30日(月) 10:41" in html
        assert (
            "2026-11-30T01:41:45" not in html and "promise.retired" not in html.split("<select")[0]
        )
        text = re.sub(r"<[^>]+>", "", html)
        assert "役割: スタッフ → マネージャー" in text
        assert "APIトークンを作成" in text
        assert "True" not in html and "{'" not in html

        only_roles = client.get(URL, {"event": "role.changed"}).content.decode()
        assert only_roles.count("<tr>") == 1 + 2
        by_clerk = client.get(URL, {"actor": "clerk"}).content.decode()
        assert "Nothing recorded yet." in by_clerk or "まだ記録はありません" in by_clerk
        future = client.get(URL, {"since": "2099-01-01"}).content.decode()
        assert future.count("<tr>") == 0
        assert AuditEntry.objects.filter(event="token.created", shop=None).count() == 1
