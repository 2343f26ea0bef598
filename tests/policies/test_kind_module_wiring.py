"""A promise kind that is ONE module: found by policies.kinds, accepted everywhere.

The module below is written to a temporary directory added to the policies.kinds package
(so nothing in the project lists it), imported the way policies.kinds imports its own, and
then recorded through the API and the CSV import, offered by the pre-check, listed in the
CSV column reference and the OpenAPI enums, and judged — with no other code touched. The
registries are restored afterwards.
"""

import importlib
import io
import sys

import pytest
from django.test import Client
from django.utils import translation

import policies.kinds as kinds_package
from commitments.imports import columns, import_run, kind_help
from commitments.models import Finding, Import, Occasion
from config.openapi import kind_values
from policies import vocabulary
from policies.kinds import registry
from policies.models import Promise, PromiseVersion

MODULE = "zz_parcel_apology"
SOURCE = '''
"""A test kind: an apology within N hours when a parcel is delayed."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policies import vocabulary
from policies.vocabulary import HOURS, Attribute

from .base import BREACH, Judgement, KindParams, PromiseKind, Verdict
from .registry import register

vocabulary.occasion_register(
    "parcel_held",
    noun=_("order"),
    phrase=_("places an order"),
    attributes=(
        Attribute("held_until", "date", _("Order"), _("Orders: the order total in yen")),
        Attribute("held_at", "datetime", _("Order"), _("Orders: the order total in yen")),
    ),
)
vocabulary.action_register(
    "apology_written",
    noun=_("reply"),
    phrase=_("replies"),
    done=_("Replied to an inquiry"),
    attributes=(Attribute("apology_lines", "int", _("Lines"), _("Lines"), min=1, max=50),),
)


class ParcelApologyParams(KindParams):
    within_hours = serializers.IntegerField(
        min_value=1, default=24, label=_("Send within (hours)"), help_text=_("Lines")
    )


@register
class ParcelApology(PromiseKind):
    id = "zz_parcel_apology"
    label_ja = "遅延のお詫び"
    label_en = "Apology for a held parcel"
    occasion_kind = "parcel_held"
    action_kind = "apology_written"
    unit = HOURS
    higher_is_better = False
    Params = ParcelApologyParams

    def deadline(self, *, occasion, related, params, calendar):
        return occasion.occurred_at + timedelta(hours=params["within_hours"])

    def evaluate(self, ctx):
        hours = (ctx.action.occurred_at - ctx.occasion.occurred_at).total_seconds() / 3600
        if hours <= ctx.params["within_hours"]:
            return Judgement(level=hours, kept=True)
        verdict = Verdict(BREACH, "お詫びが遅れました。", "The apology was late.", {"h": hours})
        return Judgement(level=hours, kept=False, verdicts=(verdict,))

    def lowers(self, old, new):
        return self.validate_params(new)["within_hours"] > self.validate_params(old)["within_hours"]
'''


@pytest.fixture
def own_module(tmp_path, monkeypatch):
    """Write the kind module beside the package, import it, restore the registries after."""
    saved_kinds = {record: dict(kinds) for record, kinds in vocabulary._kinds.items()}
    saved_units = dict(vocabulary._units)
    saved_promise_kinds = dict(registry.default_registry._kinds)
    (tmp_path / f"{MODULE}.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.setattr(kinds_package, "__path__", [*kinds_package.__path__, str(tmp_path)])
    assert kinds_package.kind_modules()[-1] == MODULE
    module = importlib.import_module(f"policies.kinds.{MODULE}")
    yield module
    for record, kinds in saved_kinds.items():
        vocabulary._kinds[record].clear()
        vocabulary._kinds[record].update(kinds)
    vocabulary._units.clear()
    vocabulary._units.update(saved_units)
    registry.default_registry._kinds.clear()
    registry.default_registry._kinds.update(saved_promise_kinds)
    sys.modules.pop(f"policies.kinds.{MODULE}", None)


@pytest.fixture
def promise(own_module, shop):
    promise = Promise.objects.create(shop=shop, kind=MODULE, name="Apologies")
    PromiseVersion.objects.create(
        promise=promise,
        number=1,
        params=registry.get(MODULE).validate_params({"within_hours": 2}),
        effective_from="2020-01-01T00:00:00Z",
    )
    return promise


def test_the_module_is_found_after_the_built_in_ones(own_module):
    names = kinds_package.kind_modules()
    assert names[: len(kinds_package.BUILT_IN)] == list(kinds_package.BUILT_IN)
    assert registry.ids()[-1] == MODULE
    assert registry.get(MODULE).level_unit == "hours"


def test_the_api_accepts_its_occasion_and_action_and_judges_them(api, promise):
    held = {
        "external_id": "H-1",
        "customer": "C-1",
        "kind": "parcel_held",
        "occurred_at": "2026-11-20T10:00:00+09:00",
        "attributes": {"held_until": "2026-11-22", "held_at": "2026-11-20T09:00:00"},
    }
    response = api.post("/api/v1/shops/kobo/occasions/", held, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["attributes"] == {
        "held_until": "2026-11-22",
        "held_at": "2026-11-20T09:00:00",
    }
    bad = {**held, "external_id": "H-2", "attributes": {"held_until": "22/11/2026"}}
    response = api.post("/api/v1/shops/kobo/occasions/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attributes.held_until"
    apology = {
        "external_id": "A-1",
        "customer": "C-1",
        "kind": "apology_written",
        "occurred_at": "2026-11-20T15:00:00+09:00",
        "occasion": "H-1",
        "attributes": {"apology_lines": 3},
    }
    response = api.post("/api/v1/shops/kobo/actions/", apology, format="json")
    assert response.status_code == 201, response.json()
    finding = Finding.objects.get(promise=promise)
    assert (finding.type, finding.message_en) == ("breach", "The apology was late.")


def test_the_csv_import_has_its_columns_and_stores_its_rows(own_module, shop):
    names = [column.name for column in columns()]
    assert {"held_until", "held_at", "apology_lines"} <= set(names)
    assert "parcel_held" in kind_help() and "apology_written" in kind_help()
    data = (
        b"type,external_id,customer,kind,occurred_at,occasion,held_until,apology_lines\n"
        b"occasion,H-1,C-1,parcel_held,2026-11-20 10:00,,2026/11/22,\n"
        b"action,A-1,C-1,apology_written,2026-11-20 11:00,H-1,,4\n"
        b"occasion,H-2,C-1,parcel_held,2026-11-20 10:00,,someday,\n"
    )
    imp = Import.objects.create(shop=shop, filename="held.csv", size=len(data))
    imp = import_run(imp=imp, stream=io.BytesIO(data))
    assert (imp.rows, imp.stored, imp.rejected) == (3, 2, 1)
    assert imp.errors[0]["column"] == "held_until"
    assert Occasion.objects.get(external_id="H-1").attributes == {"held_until": "2026-11-22"}


def test_the_precheck_offers_its_action_with_its_attribute(own_module, staff, shop):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)
    body = client.get("/shops/kobo/precheck/").content.decode()
    assert 'value="apology_written"' in body
    assert 'name="attr_apology_lines"' in body


def test_the_worklist_names_its_parameters_in_words(promise, api, staff, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 24, 11, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    monkeypatch.setattr("commitments.worklist.timezone.now", lambda: now)
    held = {
        "external_id": "H-1",
        "customer": "C-1",
        "kind": "parcel_held",
        "occurred_at": "2026-11-24T10:30:00+09:00",
    }
    assert api.post("/api/v1/shops/kobo/occasions/", held, format="json").status_code == 201
    client = Client()
    client.force_login(staff)

    english = client.get("/shops/kobo/today/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.cookies["django_language"] = "ja"
    japanese = client.get("/shops/kobo/today/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "H-1" in english
    assert "Apologies · Send within (hours): 2</small>" in english
    assert "within_hours" not in english
    assert "Apologies · 送信期限（時間）：2</small>" in japanese


def test_the_openapi_enums_and_the_promise_kinds_list_it(own_module, api):
    assert "parcel_held" in kind_values("occasion")
    assert "apology_written" in kind_values("action")
    assert MODULE in kind_values("promise")
    kinds = api.get("/api/v1/promise-kinds/").json()
    ids = [kind["id"] for kind in (kinds["results"] if isinstance(kinds, dict) else kinds)]
    assert ids[-1] == MODULE


def test_its_overdue_message_is_worded_from_the_nouns(own_module):
    from policies.kinds.base import Event
    from tests.policies.kinds_support import SEED_CALENDAR, at

    kind = registry.get(MODULE)
    occasion = Event("H-1", "parcel_held", at("2026-11-20 10:00"), {})
    with translation.override("en"):
        ja, en = kind.overdue_message(
            occasion=occasion, deadline=at("2026-11-21 00:00"), calendar=SEED_CALENDAR
        )
    assert en == (
        "No reply is recorded for the order H-1 of Fri 2026-11-20 10:00; it was due by the "
        "end of Fri 2026-11-20 (Apology for a held parcel)."
    )
    assert ja == (
        "2026年11月20日(金) 10:00のご注文（H-1）への返信が、期限の2026年11月20日(金)中を"
        "過ぎても記録されていません（遅延のお詫び）。"
    )


def _enum(schema, component, prop):
    return schema["components"]["schemas"][component]["properties"][prop].get("enum")


@pytest.mark.django_db
def test_the_served_schema_has_the_kinds_enums_from_the_registries(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert _enum(schema, "OccasionIn", "kind") == list(vocabulary.occasion_kinds())
    assert _enum(schema, "ActionIn", "kind") == list(vocabulary.action_kinds())
    assert _enum(schema, "PromiseKindOutput", "id") == registry.ids()
    assert _enum(schema, "ExceptionOut", "reason") == [
        "our_mistake",
        "deadline",
        "goodwill",
        "other",
    ]
    assert "order_placed" in _enum(schema, "OccasionIn", "kind")


def test_the_served_schema_lists_a_kind_of_a_module(own_module, api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert "parcel_held" in _enum(schema, "OccasionIn", "kind")
    assert "apology_written" in _enum(schema, "ActionIn", "kind")
    assert MODULE in _enum(schema, "PromiseCreateInput", "kind")
