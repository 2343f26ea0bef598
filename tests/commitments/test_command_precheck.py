"""`manage.py precheck`, and the same answer from the command, the API and the page."""

import html
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from commitments.models import Action

from .conftest import at


@pytest.fixture
def promises(make_promise):
    return {
        "note": make_promise("handwritten_note", {"min_lines": 5}, name="Notes"),
        "holiday": make_promise("holiday_replies", {"mode": "none"}, name="Closed days"),
        "cutoff": make_promise("shipping_cutoff", {"cutoff": "16:00"}, name="Cutoff"),
    }


@pytest.fixture
def history(log, promises):
    log.occasion("O-1", "C-1", "order_placed", at("2026-05-11 10:00"), total=5000)
    log.action("N-1", "C-1", "note_enclosed", at("2026-05-12 10:00"), occasion="O-1", lines=10)
    log.occasion("O-2", "C-1", "order_placed", at("2026-11-20 17:30"), total=5000)
    log.occasion("Q-1", "C-1", "inquiry_received", at("2026-11-23 09:00"))


def run(*args) -> str:
    out = StringIO()
    call_command("precheck", *args, stdout=out)
    return out.getvalue()


class TestPrecheckCommand:
    def test_prints_the_verdict_and_the_customers_history(self, shop, history):
        out = run(
            "--shop", "kobo", "--customer", "C-1", "--kind", "note_enclosed",
            "--at", "2026-11-21 10:00", "--occasion", "O-2", "--attr", "lines=6",
        )  # fmt: skip
        lines = out.splitlines()
        assert lines[0] == "⚠️ drift"
        assert "this customer got 10 lines last time" in lines[1]
        assert "  expected now: last 10, best 10, 1 times; after: last 6, best 10, 2 times" in out
        assert "  history: 2026-05-12T10:00:00+09:00 N-1 level 10" in out

    def test_closed_day_reply_prints_the_precedent_and_allowed_reasons(self, shop, history):
        out = run(
            "--shop", "kobo", "--customer", "C-1", "--kind", "reply_sent",
            "--at", "2026-11-23 10:00", "--occasion", "Q-1",
        )  # fmt: skip
        assert out.splitlines()[0] == "⚠️ precedent"
        assert "allowed exception reasons: our_mistake, deadline" in out
        assert "  precedent: closed_day_reply at 2026-11-23T10:00:00+09:00 (this action)" in out

    def test_attributes_are_read_like_csv_cells(self, shop, history, make_promise):
        make_promise("included_extras", {"tiers": [{"min_total": 1000, "extras": ["card"]}]})
        answer = json.loads(
            run(
                "--shop",
                "kobo",
                "--customer",
                "C-1",
                "--kind",
                "shipped",
                "--at",
                "2026-11-20 18:00",
                "--occasion",
                "O-2",
                "--attr",
                "extras=card;sticker",
                "--json",
            )  # fmt: skip
        )
        assert answer["action"]["attributes"] == {"extras": ["card", "sticker"]}
        assert {f["type"] for f in answer["findings"]} == {"precedent"}

    def test_japanese_lines(self, shop, history):
        out = run(
            "--shop", "kobo", "--customer", "C-1", "--kind", "note_enclosed",
            "--at", "2026-11-21 10:00", "--occasion", "O-2", "--attr", "lines=6",
            "--language", "ja",
        )  # fmt: skip
        assert "前回10行" in out

    def test_stores_nothing(self, shop, history):
        run(
            "--shop", "kobo", "--customer", "C-1", "--kind", "note_enclosed",
            "--at", "2026-11-21 10:00", "--occasion", "O-2", "--attr", "lines=2",
            "--exception-reason", "goodwill",
        )  # fmt: skip
        assert Action.objects.count() == 1

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            pytest.param(
                ["--kind", "note_enclosed", "--attr", "lines=many"],
                "attributes.lines",
                id="bad-attribute",
            ),
            pytest.param(["--kind", "polished"], "kind: Unknown action kind", id="unknown-kind"),
            pytest.param(["--kind", "reply_sent", "--attr", "oops"], "key=value", id="bad-pair"),
            pytest.param(
                ["--kind", "reply_sent", "--exception-reason", "other"],
                "exception.note",
                id="other-without-note",
            ),
        ],
    )
    def test_invalid_input_is_a_command_error_naming_the_field(self, shop, args, expected):
        with pytest.raises(CommandError) as error:
            run("--shop", "kobo", "--customer", "C-1", "--at", "2026-11-21 10:00", *args)
        assert expected in str(error.value)

    def test_unknown_shop_is_a_command_error(self, db):
        with pytest.raises(CommandError, match="No shop 'nowhere'"):
            run("--shop", "nowhere", "--customer", "C", "--kind", "reply_sent", "--at", "x")


def page_answer(response) -> dict:
    match = re.search(
        r'<script id="precheck-answer" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page shows no answer"
    return json.loads(html.unescape(match.group(1)))


class TestOneServiceBehindThreeDoors:
    @pytest.mark.parametrize(
        ("kind", "when", "occasion", "attrs", "exception", "verdict"),
        [
            pytest.param(
                "note_enclosed", "2026-11-21 10:00", "O-2", {"lines": "6"}, "", "drift", id="drift"
            ),
            pytest.param(
                "note_enclosed", "2026-11-21 10:00", "O-2", {"lines": "3"}, "", "breach",
                id="breach",
            ),
            pytest.param(
                "note_enclosed", "2026-11-21 10:00", "O-2", {"lines": "3"}, "deadline", "ok",
                id="excused",
            ),
            pytest.param(
                "reply_sent", "2026-11-23 10:00", "Q-1", {}, "", "precedent", id="closed-day"
            ),
            pytest.param(
                "shipped", "2026-11-20 18:00", "O-2", {}, "", "precedent", id="early-shipping"
            ),
            pytest.param("reply_sent", "2026-11-24 10:00", "", {}, "", "ok", id="not-judged"),
        ],
    )  # fmt: skip
    def test_command_api_and_page_give_identical_answers(
        self, shop, staff, history, kind, when, occasion, attrs, exception, verdict
    ):
        args = ["--shop", "kobo", "--customer", "C-1", "--kind", kind, "--at", when, "--json"]
        args += ["--occasion", occasion] if occasion else []
        args += [item for key, value in attrs.items() for item in ("--attr", f"{key}={value}")]
        args += ["--exception-reason", exception] if exception else []
        from_command = json.loads(run(*args))

        client = Client()
        client.force_login(staff)
        body = {
            "customer": "C-1",
            "kind": kind,
            "occurred_at": when,
            "occasion": occasion,
            "attributes": {key: int(value) for key, value in attrs.items()},
            "exception": {"reason": exception, "note": ""} if exception else None,
            "staff": "staff1",
        }
        from_api = client.post(
            "/api/v1/shops/kobo/prechecks/", body, content_type="application/json"
        ).json()

        form = {"customer": "C-1", "kind": kind, "occurred_at": when, "occasion": occasion}
        form.update({f"attr_{key}": value for key, value in attrs.items()})
        form.update({"exception_reason": exception, "op": "check"})
        from_page = page_answer(client.post("/shops/kobo/precheck/", form))

        # The page records who asks; the command and API were told the same staff name.
        from_command["action"]["staff"] = "staff1"
        assert from_api == from_page == from_command
        assert from_api["verdict"] == verdict
