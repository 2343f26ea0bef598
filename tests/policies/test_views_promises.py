"""The manager's promise pages: overview, list, create, edit with impact preview, retire."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from commitments.models import Commitment, Customer, Occasion
from policies.forms import params_form_class
from policies.kinds import registry
from policies.models import Promise, Shop
from policies.services import promise_create, promise_edit, promise_retire

TOKYO = ZoneInfo("Asia/Tokyo")
SHOP = "/shops/kobo/"


def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_browser(manager):
    return browser(manager)


@pytest.fixture
def note(shop, manager):
    return promise_create(
        shop=shop,
        kind="handwritten_note",
        name="Handwritten note",
        params={"min_lines": 10},
        author=manager,
        effective_from=datetime(2026, 1, 1, tzinfo=TOKYO),
    )


def note_post(**changes):
    """Return the edit form's POST data for the note promise, as a browser sends it."""
    data = {
        "params-min_lines": "10",
        "params-drift_tolerance": "0",
        "params-precedent_above": "5",
        "params-excused_reasons": ["our_mistake", "deadline"],
        "reason": "",
        "effective_from": "",
    }
    data.update(changes)
    return data


def repeat_customer(shop, promise, name, *, best, orders=2):
    customer = Customer.objects.create(shop=shop, external_id=name)
    Occasion.objects.bulk_create(
        Occasion(
            shop=shop,
            customer=customer,
            external_id=f"{name}-{index}",
            kind="order_placed",
            occurred_at=timezone.now(),
            content_hash=hashlib.sha256(f"{name}-{index}".encode()).hexdigest(),
        )
        for index in range(orders)
    )
    Commitment.objects.create(
        shop=shop, customer=customer, promise=promise, best_level=best, last_level=best, count=2
    )


class TestGeneratedParamsForm:
    @pytest.mark.parametrize(
        ("kind", "field", "widget"),
        [
            ("handwritten_note", "min_lines", "NumberInput"),
            ("shipping_cutoff", "cutoff", "TimeInput"),
            ("holiday_replies", "mode", "Select"),
            ("holiday_replies", "excused_reasons", "CheckboxSelectMultiple"),
            ("shipping_notice", "tracking_required", "CheckboxInput"),
            ("included_extras", "tiers", "RowsWidget"),
        ],
        ids=["int", "time", "enum", "list-of-choices", "bool", "list-of-objects"],
    )
    def test_every_schema_type_gets_a_suitable_widget(self, kind, field, widget):
        form_class = params_form_class(registry.get(kind))
        assert type(form_class.base_fields[field].widget).__name__ == widget

    def test_fields_follow_the_schema_order(self):
        kind = registry.get("review_reply")
        form_class = params_form_class(kind)
        assert list(form_class.base_fields) == list(kind.params_schema()["properties"])

    def test_entered_values_become_json_ready_params(self):
        form_class = params_form_class(registry.get("shipping_cutoff"))
        form = form_class(
            data={"params-cutoff": "15:30", "params-excused_reasons": ["goodwill"]},
            prefix="params",
        )
        assert form.is_valid(), form.errors
        assert form.params() == {"cutoff": "15:30", "excused_reasons": ["goodwill"]}

    def test_tiers_are_read_from_the_rows_blank_ones_ignored(self):
        form_class = params_form_class(registry.get("included_extras"))
        form = form_class(
            data={
                "params-tiers-0-min_total": "5,000",
                "params-tiers-0-extras": "sticker; greeting_card",
                "params-tiers-1-min_total": "",
                "params-tiers-1-extras": "",
                "params-tiers-2-min_total": "10000",
                "params-tiers-2-extras": "sample、gift_wrap",
                "params-gift_wrap_when_gift": "on",
            },
            prefix="params",
        )
        assert form.is_valid(), form.errors
        assert form.params()["tiers"] == [
            {"min_total": 5000, "extras": ["sticker", "greeting_card"]},
            {"min_total": 10000, "extras": ["sample", "gift_wrap"]},
        ]
        assert form.params()["gift_wrap_when_gift"] is True

    def test_emptying_every_row_removes_the_tiers_and_no_rows_keeps_the_default(self):
        form_class = params_form_class(registry.get("included_extras"))
        emptied = form_class(
            data={"params-tiers-0-min_total": "", "params-tiers-0-extras": ""}, prefix="params"
        )
        assert emptied.is_valid(), emptied.errors
        assert emptied.params()["tiers"] == []
        untouched = form_class(data={}, prefix="params")
        assert untouched.is_valid(), untouched.errors
        assert "tiers" not in untouched.params()

    def test_a_row_with_a_word_for_a_number_names_its_row_and_column(self):
        form_class = params_form_class(registry.get("included_extras"))
        form = form_class(
            data={"params-tiers-0-min_total": "many", "params-tiers-0-extras": "card"},
            prefix="params",
        )
        assert not form.is_valid()
        assert form.errors["tiers"] == ["Row 1: Minimum order total (yen) must be a whole number."]

    def test_the_rows_show_the_current_tiers_and_blank_rows_to_add(self):
        form_class = params_form_class(registry.get("included_extras"))
        form = form_class(
            initial={"tiers": [{"min_total": 6800, "extras": ["greeting_card", "sample"]}]},
            prefix="params",
        )
        html = str(form["tiers"])
        assert 'name="params-tiers-0-min_total"' in html and 'value="6800"' in html
        assert 'value="greeting_card; sample"' in html
        assert 'name="params-tiers-3-extras"' in html  # three blank rows to add more
        assert 'name="params-tiers-4-extras"' not in html
        assert "Minimum order total (yen)" in html and "<textarea" not in html


@pytest.mark.django_db
class TestShopHome:
    def test_shows_promises_in_force_with_parameters_and_links(self, viewer, note):
        response = browser(viewer).get(SHOP)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Handwritten note" in page
        assert "Minimum lines" in page and "<code>min_lines</code>" not in page
        assert "/shops/kobo/calendar/" in page
        assert "/shops/kobo/promises/" in page
        assert [row["promise"].pk for row in response.context["in_force"]] == [note.pk]
        # Viewers see no create button.
        assert "/shops/kobo/promises/new/" not in page

    def test_non_member_gets_404(self, shop, make_user):
        assert browser(make_user("stranger")).get(SHOP).status_code == 404

    def test_needs_login(self, shop):
        response = Client().get(SHOP)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


@pytest.mark.django_db
class TestPromiseListPage:
    def test_lists_active_and_retired_promises(self, staff, shop, manager, note):
        old = promise_create(
            shop=shop, kind="reply_time", name="Old replies", params={}, author=None
        )
        promise_retire(promise=old, author=manager)
        response = browser(staff).get(f"{SHOP}promises/")
        assert response.status_code == 200
        assert [row["promise"].name for row in response.context["active"]] == ["Handwritten note"]
        assert [row["promise"].name for row in response.context["retired"]] == ["Old replies"]

    def test_a_scheduled_version_is_shown_with_the_current_one(
        self, manager_browser, manager, note
    ):
        promise_edit(
            promise=note,
            params={"min_lines": 12},
            reason="Next month",
            author=manager,
            effective_from=timezone.now() + timedelta(days=30),
        )
        response = manager_browser.get(f"{SHOP}promises/")
        (row,) = response.context["active"]
        assert row["version"].number == 1
        assert [version.number for version in row["upcoming"]] == [2]


@pytest.mark.django_db
class TestPromiseCreatePage:
    def test_without_a_kind_offers_every_kind(self, manager_browser):
        response = manager_browser.get(f"{SHOP}promises/new/")
        assert response.status_code == 200
        assert [kind["id"] for kind in response.context["kinds"]] == registry.ids()

    def test_with_a_kind_shows_its_generated_form_with_defaults(self, manager_browser):
        response = manager_browser.get(f"{SHOP}promises/new/?kind=handwritten_note")
        assert response.status_code == 200
        form = response.context["params_form"]
        assert list(form.fields) == [
            "min_lines",
            "drift_tolerance",
            "precedent_above",
            "excused_reasons",
        ]
        assert form.initial["min_lines"] == 10
        assert 'name="params-min_lines"' in response.content.decode()

    def test_unknown_kind_is_404(self, manager_browser):
        assert manager_browser.get(f"{SHOP}promises/new/?kind=teleport").status_code == 404

    def test_posting_creates_version_1(self, manager_browser, shop):
        response = manager_browser.post(
            f"{SHOP}promises/new/",
            {
                "kind": "shipping_cutoff",
                "name": "Same-day shipping",
                "effective_from": "2026-12-01T09:00",
                "params-cutoff": "15:00",
                "params-excused_reasons": ["our_mistake"],
            },
        )
        promise = Promise.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{SHOP}promises/{promise.pk}/"
        version = promise.versions.get()
        assert version.params == {"cutoff": "15:00", "excused_reasons": ["our_mistake"]}
        assert version.effective_from == datetime(2026, 12, 1, 9, tzinfo=TOKYO)

    def test_a_bad_parameter_is_shown_on_its_field(self, manager_browser):
        response = manager_browser.post(
            f"{SHOP}promises/new/",
            {
                "kind": "included_extras",
                "name": "Extras",
                "params-tiers-0-min_total": "-5",
                "params-tiers-0-extras": "card",
            },
        )
        assert response.status_code == 200
        errors = response.context["params_form"].errors
        assert list(errors) == ["tiers"]
        # The place of the error in words: the row and the column's label, not [0].min_total.
        assert errors["tiers"][0].startswith("Row 1, Minimum order total (yen): ")
        assert Promise.objects.count() == 0

    def test_viewer_and_staff_get_403(self, viewer, staff):
        for user in (viewer, staff):
            response = browser(user).get(f"{SHOP}promises/new/")
            assert response.status_code == 403
        response = browser(staff).post(f"{SHOP}promises/new/", {"kind": "reply_time", "name": "R"})
        assert response.status_code == 403
        assert Promise.objects.count() == 0


@pytest.mark.django_db
class TestPromiseEditPage:
    def test_form_starts_from_the_newest_parameters(self, manager_browser, note):
        response = manager_browser.get(f"{SHOP}promises/{note.pk}/edit/")
        assert response.status_code == 200
        assert response.context["params_form"].initial["min_lines"] == 10
        assert response.context["impact"] is None

    def test_raising_is_saved_at_once(self, manager_browser, note):
        response = manager_browser.post(
            f"{SHOP}promises/{note.pk}/edit/",
            note_post(**{"params-min_lines": "12", "reason": "More care"}),
        )
        assert response.status_code == 302
        assert response["Location"] == f"{SHOP}promises/{note.pk}/versions/"
        assert list(note.versions.values_list("number", "params__min_lines", "reason")) == [
            (1, 10, ""),
            (2, 12, "More care"),
        ]

    def test_lowering_shows_the_impact_before_saving(self, manager_browser, shop, note):
        repeat_customer(shop, note, "loyal", best=10)
        repeat_customer(shop, note, "new", best=10, orders=1)
        response = manager_browser.post(
            f"{SHOP}promises/{note.pk}/edit/",
            note_post(**{"params-min_lines": "5", "reason": "Busy season"}),
        )
        assert response.status_code == 200
        impact = response.context["impact"]
        assert impact["repeat_customers_above_new_level"] == 1
        assert [c["customer"] for c in impact["customers"]] == ["loyal"]
        page = response.content.decode()
        assert (
            "1 repeat customer (2 or more orders) has already received more than the new level."
            in page
        )
        assert "loyal" in page
        assert note.versions.count() == 1

    def test_lowering_is_saved_only_with_the_confirmation(self, manager_browser, shop, note):
        repeat_customer(shop, note, "loyal", best=10)
        url = f"{SHOP}promises/{note.pk}/edit/"
        data = note_post(**{"params-min_lines": "5", "reason": "Busy season"})
        preview = manager_browser.post(url, data)
        previewed = preview.context["form"]["previewed"].value()
        assert previewed

        unconfirmed = manager_browser.post(url, {**data, "previewed": previewed})
        assert unconfirmed.status_code == 200
        assert "confirm_lowering" in unconfirmed.context["form"].errors
        assert note.versions.count() == 1

        confirmed = manager_browser.post(
            url, {**data, "previewed": previewed, "confirm_lowering": "on"}
        )
        assert confirmed.status_code == 302
        assert list(note.versions.values_list("number", "params__min_lines")) == [(1, 10), (2, 5)]

    def test_a_confirmation_for_other_parameters_does_not_count(self, manager_browser, note):
        url = f"{SHOP}promises/{note.pk}/edit/"
        preview = manager_browser.post(
            url, note_post(**{"params-min_lines": "8", "reason": "Busy"})
        )
        previewed = preview.context["form"]["previewed"].value()
        response = manager_browser.post(
            url,
            {
                **note_post(**{"params-min_lines": "3", "reason": "Busy"}),
                "previewed": previewed,
                "confirm_lowering": "on",
            },
        )
        assert response.status_code == 200
        assert response.context["impact"]["new_level"] == 3
        assert note.versions.count() == 1

    def test_reason_is_required(self, manager_browser, note):
        response = manager_browser.post(
            f"{SHOP}promises/{note.pk}/edit/", note_post(**{"params-min_lines": "12"})
        )
        assert response.status_code == 200
        assert "reason" in response.context["form"].errors
        assert note.versions.count() == 1

    def test_effective_time_before_the_newest_version_is_an_error_on_its_field(
        self, manager_browser, note
    ):
        response = manager_browser.post(
            f"{SHOP}promises/{note.pk}/edit/",
            note_post(
                **{
                    "params-min_lines": "12",
                    "reason": "x",
                    "effective_from": "2025-12-01T00:00",
                }
            ),
        )
        assert response.status_code == 200
        assert "effective_from" in response.context["form"].errors
        assert note.versions.count() == 1

    def test_bad_parameter_is_an_error_on_its_field(self, manager_browser, note):
        response = manager_browser.post(
            f"{SHOP}promises/{note.pk}/edit/",
            note_post(**{"params-min_lines": "0", "reason": "x"}),
        )
        assert response.status_code == 200
        assert "min_lines" in response.context["params_form"].errors
        assert note.versions.count() == 1

    def test_viewer_gets_403_and_other_shops_promise_404(self, viewer, manager_browser, make_user):
        other = Shop.objects.create(slug="other", name="Other")
        foreign = promise_create(shop=other, kind="reply_time", name="R", params={}, author=None)
        assert manager_browser.get(f"{SHOP}promises/{foreign.pk}/edit/").status_code == 404
        shop_promise = promise_create(
            shop=Shop.objects.get(slug="kobo"), kind="reply_time", name="R", params={}, author=None
        )
        response = browser(viewer).post(f"{SHOP}promises/{shop_promise.pk}/edit/", {"reason": "x"})
        assert response.status_code == 403
        assert shop_promise.versions.count() == 1


@pytest.mark.django_db
class TestPromiseRetirePage:
    def test_needs_the_confirmation(self, manager_browser, note):
        response = manager_browser.post(f"{SHOP}promises/{note.pk}/retire/", {})
        assert response.status_code == 200
        assert "confirm" in response.context["form"].errors
        note.refresh_from_db()
        assert note.retired_at is None

    def test_retires_with_the_confirmation_and_keeps_history(self, manager_browser, note):
        response = manager_browser.post(f"{SHOP}promises/{note.pk}/retire/", {"confirm": "on"})
        assert response.status_code == 302
        assert response["Location"] == f"{SHOP}promises/"
        note.refresh_from_db()
        assert note.retired_at is not None
        assert note.versions.count() == 1

    def test_staff_gets_403(self, staff, note):
        response = browser(staff).post(f"{SHOP}promises/{note.pk}/retire/", {"confirm": "on"})
        assert response.status_code == 403
        note.refresh_from_db()
        assert note.retired_at is None


@pytest.mark.django_db
class TestPromiseHistoryPages:
    def test_versions_page_shows_every_version_and_what_changed(self, viewer, manager, note):
        promise_edit(promise=note, params={"min_lines": 6}, reason="Busy season", author=manager)
        response = browser(viewer).get(f"{SHOP}promises/{note.pk}/versions/")
        assert response.status_code == 200
        history = response.context["history"]
        assert [item["version"].number for item in history] == [1, 2]
        assert [p["name"] for p in history[1]["params"] if p["changed"]] == ["min_lines"]
        assert [item["in_force"] for item in history] == [False, True]
        page = response.content.decode()
        assert "Busy season" in page
        assert "manager1" in page

    def test_detail_page_shows_the_version_in_force(self, viewer, manager, note):
        response = browser(viewer).get(f"{SHOP}promises/{note.pk}/")
        assert response.status_code == 200
        assert response.context["row"]["version"].number == 1
        assert response.context["row"]["status"] == "in_force"
        # Viewers get no change or retire buttons.
        assert f"{SHOP}promises/{note.pk}/edit/" not in response.content.decode()

    def test_another_shops_promise_is_404(self, viewer):
        other = Shop.objects.create(slug="other", name="Other")
        foreign = promise_create(shop=other, kind="reply_time", name="R", params={}, author=None)
        assert browser(viewer).get(f"{SHOP}promises/{foreign.pk}/").status_code == 404
        assert browser(viewer).get(f"{SHOP}promises/{foreign.pk}/versions/").status_code == 404


@pytest.mark.django_db
class TestAdmin:
    @pytest.fixture
    def admin_browser(self, django_user_model):
        root = django_user_model.objects.create_superuser("root", password="pw-Tsuzuku-2026!")
        return browser(root)

    def test_superuser_sees_promises_with_their_versions(self, admin_browser, note):
        response = admin_browser.get(f"/admin/policies/promise/{note.pk}/change/")
        assert response.status_code == 200
        assert "min_lines" in response.content.decode()
        assert admin_browser.get("/admin/policies/promiseversion/").status_code == 200

    def test_versions_cannot_be_changed_or_deleted_in_the_admin(self, admin_browser, note):
        version = note.versions.get()
        url = f"/admin/policies/promiseversion/{version.pk}/"
        assert admin_browser.post(f"{url}change/", {"reason": "rewritten"}).status_code == 403
        assert admin_browser.post(f"{url}delete/", {"post": "yes"}).status_code == 403
        assert admin_browser.get("/admin/policies/promiseversion/add/").status_code == 403
        version.refresh_from_db()
        assert version.reason == ""
