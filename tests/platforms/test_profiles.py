"""Platform CSV exports as exported: Shopify, Yahoo! Shopping (CP932), Yamato B2 (CP932)."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import AuditEntry
from commitments import services as log
from commitments.imports import import_run
from commitments.models import Action, Import, Occasion
from platforms import services
from platforms.models import ColumnProfile, ImportProfileChoice

EXPORTS = Path(__file__).parent / "exports"


def run(shop, name: str, profile_key: str, body: bytes | None = None) -> Import:
    imp = Import.objects.create(shop=shop, filename=name, size=1)
    ImportProfileChoice.objects.create(import_ref=imp, profile_key=profile_key)
    data = body if body is not None else (EXPORTS / name).read_bytes()
    return import_run(imp=imp, stream=io.BytesIO(data))


def counts(imp: Import) -> tuple:
    return imp.status, imp.rows, imp.stored, imp.duplicates, imp.rejected


class TestShopifyOrders:
    def test_line_item_rows_become_one_order_and_its_shipment(self, shop):
        imp = run(shop, "shopify_orders_export.csv", "shopify_orders")
        # #1001 → occasion + shipped, #1002 → occasion, #1003 cancelled, #1004 → 2 rejected.
        assert counts(imp) == ("done", 5, 3, 0, 2)
        assert imp.rows == imp.stored + imp.duplicates + imp.rejected
        order = Occasion.objects.select_related("customer").get(external_id="#1001")
        assert order.attributes == {"total": 7200, "gift": True}
        assert order.occurred_at.isoformat() == "2026-11-20T06:30:12+00:00"
        assert (order.customer.external_id, order.customer.name) == (
            "hanako.sato@example.jp",
            "佐藤 花子",
        )
        shipped = Action.objects.get()
        assert (shipped.external_id, shipped.kind, shipped.occasion) == (
            "#1001-shipped",
            "shipped",
            order,
        )
        assert Occasion.objects.get(external_id="#1002").attributes == {
            "total": 4980,
            "gift": False,
        }
        assert not Occasion.objects.filter(external_id="#1003").exists()

    def test_errors_name_the_row_of_the_exported_file(self, shop):
        imp = run(shop, "shopify_orders_export.csv", "shopify_orders")
        assert {(e["row"], e["column"], e["code"]) for e in imp.errors} == {
            (6, "customer", "required")
        }
        assert len(imp.errors) == 2

    def test_the_same_export_again_is_all_duplicates(self, shop):
        run(shop, "shopify_orders_export.csv", "shopify_orders")
        again = run(shop, "shopify_orders_export.csv", "shopify_orders")
        assert counts(again) == ("done", 5, 0, 3, 2)

    def test_an_export_of_another_platform_fails_naming_the_missing_columns(self, shop):
        imp = run(shop, "yahoo_orders.csv", "shopify_orders")
        assert imp.status == "failed"
        [error] = imp.errors
        assert (error["row"], error["code"], error["column"]) == (1, "missing_column", "Name")
        assert "Name, Email, Created at, Total" in error["message"]


class TestYahooOrders:
    def test_a_cp932_order_file_becomes_orders_and_shipments(self, shop):
        imp = run(shop, "yahoo_orders.csv", "yahoo_orders")
        assert imp.encoding == "cp932"
        # 101 → occasion + shipped; 102 → occasion; 103 cancelled (OrderStatus 4).
        assert counts(imp) == ("done", 3, 3, 0, 0)
        order = Occasion.objects.select_related("customer").get(external_id="kobo-10000101")
        assert order.attributes == {"total": 7200, "gift": True}
        assert order.customer.name == "佐藤 花子"
        shipped = Action.objects.get()
        assert shipped.attributes == {"tracking_number": "432198765501"}
        # The day only: the start of 2026-11-21 in shop time.
        assert shipped.occurred_at.isoformat() == "2026-11-20T15:00:00+00:00"
        assert Occasion.objects.get(external_id="kobo-10000102").attributes["gift"] is False


class TestYamatoB2:
    def test_slips_become_shipments_of_the_stored_orders(self, shop):
        run(shop, "shopify_orders_export.csv", "shopify_orders")
        Action.objects.all().delete()
        imp = run(shop, "yamato_b2.csv", "yamato_b2")
        assert imp.encoding == "cp932"
        # #1001 twice (the second parcel is not a second shipment), #1002, #9999 unknown.
        assert counts(imp) == ("done", 3, 2, 0, 1)
        first = Action.objects.select_related("customer").get(external_id="#1001-shipped")
        assert first.attributes == {"tracking_number": "432198765501"}
        assert first.customer.external_id == "hanako.sato@example.jp"
        [error] = imp.errors
        assert (error["row"], error["column"]) == (5, "customer")


class TestColumnProfiles:
    def test_a_manager_maps_a_csv_once_and_imports_it(self, shop, manager):
        profile = services.column_profile_save(
            shop=shop,
            actor=manager,
            name="Note log",
            record="action",
            kind="note_enclosed",
            mapping={
                "external_id": "伝票",
                "customer": "会員ID",
                "occurred_at": "日付",
                "occasion": "注文番号",
                "lines": "行数",
                "staff": "担当",
            },
        )
        log.occasion_record(
            shop=shop,
            external_id="A-1",
            customer="M-1",
            kind="order_placed",
            occurred_at="2026-11-20 10:00",
            attributes={"total": 5000},
        )
        body = "日付,注文番号,伝票,会員ID,行数,担当,メモ\r\n2026/11/21,A-1,N-1,M-1,6,mika,\r\n"
        body += "2026/11/21,A-2,N-2,M-2,many,mika,\r\n"
        imp = run(shop, "notes.csv", f"custom:{profile.pk}", body.encode("cp932"))
        assert counts(imp) == ("done", 2, 1, 0, 1)
        note = Action.objects.get()
        assert (note.kind, note.attributes, note.staff) == ("note_enclosed", {"lines": 6}, "mika")
        assert note.occasion.external_id == "A-1"
        [error] = imp.errors
        assert (error["row"], error["column"]) == (3, "lines")
        entry = AuditEntry.objects.get(event="column_profile.saved")
        assert entry.after["mapping"]["lines"] == "行数"

    @pytest.mark.parametrize(
        ("record", "kind", "mapping", "field"),
        [
            pytest.param("action", "order_placed", {}, "kind", id="kind-of-other-record"),
            pytest.param("occasion", "order_placed", {"customer": "c"}, "mapping", id="required"),
            pytest.param(
                "occasion",
                "order_placed",
                {"external_id": "a", "customer": "b", "occurred_at": "c", "colour": "d"},
                "mapping",
                id="unknown",
            ),
        ],
    )
    def test_a_bad_profile_is_refused_naming_the_field(
        self, shop, manager, record, kind, mapping, field
    ):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as caught:
            services.column_profile_save(
                shop=shop, actor=manager, name="x", record=record, kind=kind, mapping=mapping
            )
        assert field in caught.value.message_dict
        assert ColumnProfile.objects.count() == 0

    def test_the_profiles_page_saves_a_mapping(self, shop, manager):
        client = Client()
        client.force_login(manager)
        response = client.post(
            "/shops/kobo/platforms/profiles/",
            {
                "name": "Orders",
                "record": "occasion",
                "kind": "order_placed",
                "map_external_id": "No",
                "map_customer": "Mail",
                "map_occurred_at": "Date",
                "map_total": "Sum",
            },
        )
        assert response.status_code == 302
        profile = ColumnProfile.objects.get()
        assert profile.mapping == {
            "external_id": "No",
            "customer": "Mail",
            "occurred_at": "Date",
            "total": "Sum",
        }
        page = client.get("/shops/kobo/platforms/profiles/").content.decode()
        assert "Orders" in page and "Mail" in page


class TestProfileImportPage:
    def test_staff_upload_an_export_with_its_profile(
        self, shop, staff, django_capture_on_commit_callbacks, rq_queue, run_worker
    ):
        client = Client()
        client.force_login(staff)
        upload = SimpleUploadedFile(
            "orders_export.csv", (EXPORTS / "shopify_orders_export.csv").read_bytes()
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/shops/kobo/platforms/imports/", {"profile": "shopify_orders", "file": upload}
            )
        imp = Import.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/shops/kobo/imports/{imp.pk}/"
        assert imp.profile_choice.profile_key == "shopify_orders"
        run_worker()
        imp.refresh_from_db()
        assert counts(imp) == ("done", 5, 3, 0, 2)

    def test_an_unknown_profile_is_refused(self, shop, staff):
        client = Client()
        client.force_login(staff)
        upload = SimpleUploadedFile("x.csv", b"a,b\r\n1,2\r\n")
        response = client.post("/shops/kobo/platforms/imports/", {"profile": "x", "file": upload})
        assert response.status_code == 200
        assert "profile" in response.context["form"].errors
        assert Import.objects.count() == 0
