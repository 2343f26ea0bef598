"""Renaming a promise (the old name stays in its history) and the second promise of a kind."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from policies.models import Promise, PromiseRename
from policies.services import promise_create, promise_rename

URL = "/api/v1/shops/kobo/promises/"


@pytest.fixture
def reply(shop, manager):
    return promise_create(
        shop=shop,
        kind="reply_time",
        name="お問い合わせには2営業日以内に返信",
        params={"within_business_hours": 14},
        author=manager,
    )


@pytest.mark.django_db
class TestRename:
    def test_the_old_name_stays_with_the_reason_and_is_audited(self, reply, manager):
        rename = promise_rename(
            promise=reply,
            name="お問い合わせには1営業日以内に返信",
            reason="7営業時間に短縮",
            author=manager,
        )
        reply.refresh_from_db()
        assert reply.name == "お問い合わせには1営業日以内に返信"
        assert (rename.old_name, rename.new_name, rename.reason) == (
            "お問い合わせには2営業日以内に返信",
            "お問い合わせには1営業日以内に返信",
            "7営業時間に短縮",
        )
        entry = AuditEntry.objects.get(event="promise.renamed")
        assert entry.before == {"name": "お問い合わせには2営業日以内に返信"}
        assert entry.after["name"] == "お問い合わせには1営業日以内に返信"
        # No new version: the parameters did not change.
        assert reply.versions.count() == 1

    def test_a_rename_needs_a_new_name_and_a_reason(self, reply, manager):
        with pytest.raises(ValidationError) as error:
            promise_rename(promise=reply, name=reply.name, reason="", author=manager)
        codes = {
            field: [e.code for e in errors] for field, errors in error.value.error_dict.items()
        }
        assert codes == {"name": ["unchanged"], "reason": ["required"]}
        assert PromiseRename.objects.count() == 0

    def test_patch_accepts_a_name(self, api, reply):
        response = api.patch(
            f"{URL}{reply.pk}/",
            {"name": "Reply in 7 business hours", "reason": "shorter"},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["name"] == "Reply in 7 business hours"
        assert response.json()["version"] == 1
        assert PromiseRename.objects.get().old_name == "お問い合わせには2営業日以内に返信"

    def test_patch_with_name_and_params_writes_both(self, api, reply):
        response = api.patch(
            f"{URL}{reply.pk}/",
            {"name": "1営業日以内", "params": {"within_business_hours": 7}, "reason": "短縮"},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert (response.json()["name"], response.json()["version"]) == ("1営業日以内", 2)

    def test_the_edit_page_renames_and_the_history_shows_the_old_name(self, client, manager, reply):
        client.force_login(manager)
        edit = f"/shops/kobo/promises/{reply.pk}/edit/"
        # The form posts the current parameters back unchanged.
        params = {
            "params-within_business_hours": "14",
            "params-drift_tolerance_hours": "4",
            "params-excused_reasons": ["our_mistake", "deadline"],
        }
        response = client.post(
            edit, {"name": "1営業日以内に返信", "reason": "名前を意味に合わせる", **params}
        )
        assert response.status_code == 302
        history = client.get(f"/shops/kobo/promises/{reply.pk}/versions/").content.decode()
        assert "お問い合わせには2営業日以内に返信" in history
        assert "名前を意味に合わせる" in history
        assert Promise.objects.get(pk=reply.pk).versions.count() == 1


@pytest.mark.django_db
class TestSecondPromiseOfAKind:
    def test_the_service_refuses_without_confirmation(self, shop, manager, reply):
        with pytest.raises(ValidationError) as error:
            promise_create(shop=shop, kind="reply_time", name="Again", params={}, author=manager)
        assert error.value.error_dict["kind"][0].code == "duplicate_kind"
        promise_create(
            shop=shop,
            kind="reply_time",
            name="Again",
            params={},
            author=manager,
            confirm_duplicate_kind=True,
        )
        assert Promise.objects.filter(kind="reply_time").count() == 2

    def test_a_retired_promise_does_not_count(self, shop, manager, reply):
        from policies.services import promise_retire

        promise_retire(promise=reply, author=manager, rejudge=False)
        promise_create(shop=shop, kind="reply_time", name="New", params={}, author=manager)

    def test_the_api_answers_409_duplicate_kind_unless_confirmed(self, api, reply):
        body = {"kind": "reply_time", "name": "Again", "params": {}}
        response = api.post(URL, body, format="json")
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "duplicate_kind"
        assert response.json()["errors"][0]["field"] == "kind"
        confirmed = api.post(URL, {**body, "confirm_duplicate_kind": True}, format="json")
        assert confirmed.status_code == 201

    def test_the_page_warns_and_asks_for_a_confirmation(self, client, manager, reply):
        client.force_login(manager)
        page = client.get(URL.replace("/api/v1", "") + "new/?kind=reply_time")
        html = page.content.decode()
        assert 'id="duplicate-kind"' in html and 'name="confirm_duplicate_kind"' in html
        form = {
            "kind": "reply_time",
            "name": "Again",
            "params-within_business_hours": "14",
        }
        refused = client.post("/shops/kobo/promises/new/", form)
        assert refused.status_code == 200
        assert Promise.objects.filter(kind="reply_time").count() == 1
        accepted = client.post(
            "/shops/kobo/promises/new/", {**form, "confirm_duplicate_kind": "on"}
        )
        assert accepted.status_code == 302
        assert Promise.objects.filter(kind="reply_time").count() == 2
