"""The packing station: find the order, pre-check note and extras, record them."""

import pytest
from django.test import Client

from commitments.models import Action, Finding

PAGE = "/shops/kobo/packing/"


@pytest.fixture
def station(shop, staff, make_promise, log):
    make_promise("handwritten_note", {"min_lines": 10})
    make_promise(
        "included_extras",
        {"tiers": [{"min_total": 5000, "extras": ["greeting_card"]}], "gift_wrap_when_gift": True},
    )
    log.occasion("#1001", "hanako@example.jp", "order_placed", "2026-11-20 10:00", total=7200)
    client = Client()
    client.force_login(staff)
    return client


class TestPackingStation:
    def test_the_empty_page_waits_for_an_order_number(self, station):
        page = station.get(PAGE).content.decode()
        assert 'name="order"' in page and "autofocus" in page

    def test_a_scanned_number_finds_the_order_and_ticks_the_promised_extras(self, station):
        response = station.post(PAGE, {"order": "1001", "op": "find"})
        assert response.status_code == 200
        assert response.context["order"].external_id == "#1001"
        assert response.context["extras"] == [
            {"name": "greeting_card", "checked": True, "needed": True},
            {"name": "gift_wrap", "checked": False, "needed": False},
        ]
        page = response.content.decode()
        assert 'id="lines"' in page and page.index("autofocus") > page.index('id="lines"') - 200

    def test_the_pre_check_answers_before_anything_is_stored(self, station):
        response = station.post(
            PAGE, {"order": "#1001", "op": "check", "lines": "4", "extras": ["greeting_card"]}
        )
        assert response.status_code == 200
        answers = {a["kind"]: a["verdict"] for a in response.context["answers"]}
        assert answers == {"note_enclosed": "breach", "shipped": "ok"}
        assert response.context["step"] == "record"
        assert Action.objects.count() == 0

    def test_record_stores_the_note_and_the_shipment_and_judges_them(self, station, staff):
        response = station.post(
            PAGE,
            {"order": "#1001", "op": "record", "lines": "12", "tracking_number": "4321"},
        )
        assert response.status_code == 302
        assert response["Location"] == PAGE
        note = Action.objects.get(kind="note_enclosed")
        shipped = Action.objects.get(kind="shipped")
        assert (note.external_id, note.attributes, note.staff) == (
            "#1001-note",
            {"lines": 12},
            "staff1",
        )
        # No extras ticked: the greeting card promised for ¥7,200 is missing.
        assert (shipped.external_id, shipped.attributes) == (
            "#1001-shipped",
            {"tracking_number": "4321"},
        )
        assert Finding.objects.get(action=shipped).type == "breach"
        assert not Finding.objects.filter(action=note).exists()

    def test_recording_other_lines_again_is_a_conflict(self, station):
        station.post(PAGE, {"order": "#1001", "op": "record", "lines": "12"})
        response = station.post(PAGE, {"order": "#1001", "op": "record", "lines": "3"})
        assert response.status_code == 409
        assert Action.objects.get(kind="note_enclosed").attributes == {"lines": 12}

    @pytest.mark.parametrize(
        ("data", "status"),
        [
            pytest.param({"order": "9999", "op": "find"}, 404, id="unknown-order"),
            pytest.param({"order": "#1001", "op": "check", "lines": "six"}, 400, id="lines"),
        ],
    )
    def test_bad_input_is_said_and_stores_nothing(self, station, data, status):
        response = station.post(PAGE, data)
        assert response.status_code == status
        assert response.context["error"]
        assert Action.objects.count() == 0

    def test_an_order_shipped_elsewhere_keeps_its_shipment_and_gets_its_note(self, station, log):
        # Shopify's fulfillment (or a label tool's export) recorded the shipment first.
        log.action(
            "#1001-shipped",
            "hanako@example.jp",
            "shipped",
            "2026-11-20 15:00",
            occasion="#1001",
            tracking_number="432198765501",
        )
        found = station.post(PAGE, {"order": "1001", "op": "find"})
        page = found.content.decode()
        assert "#1001-shipped" in page and 'name="extras"' not in page
        checked = station.post(PAGE, {"order": "#1001", "op": "check", "lines": "12"})
        assert [a["kind"] for a in checked.context["answers"]] == ["note_enclosed"]
        response = station.post(PAGE, {"order": "#1001", "op": "record", "lines": "12"})
        assert response.status_code == 302
        assert Action.objects.get(kind="note_enclosed").attributes == {"lines": 12}
        shipped = Action.objects.get(kind="shipped")
        assert shipped.attributes == {"tracking_number": "432198765501"}
        nothing = station.post(PAGE, {"order": "#1001", "op": "record", "lines": ""})
        assert nothing.status_code == 400 and nothing.context["error"]

    def test_a_refused_shipment_leaves_no_note_behind(self, station, monkeypatch):
        from commitments import services

        real = services.action_record

        def refuse_shipments(**kwargs):
            if kwargs["kind"] == "shipped":
                # The shipment arrives from elsewhere meanwhile, with other content.
                raise services.Conflict(record=Action(external_id="#1001-shipped"), fields=[])
            return real(**kwargs)

        monkeypatch.setattr(services, "action_record", refuse_shipments)
        response = station.post(PAGE, {"order": "#1001", "op": "record", "lines": "12"})
        assert response.status_code == 409
        # Recorded together or not at all: the note can be recorded again with the parcel.
        assert Action.objects.count() == 0
