"""Ask "is this consistent?" from the command line: the pre-check, printed. Stores nothing."""

import json
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commitments.attributes import attributes_validate
from commitments.precheck_context import answer_complete, occasion_resolve
from commitments.prechecks import precheck_run
from policies import vocabulary
from policies.models import Shop

MARKS = {"not_judged": "➖", "ok": "✅", "drift": "⚠️", "precedent": "⚠️", "breach": "❌"}


def _attributes(kind: str, pairs: list[str]) -> dict:
    """Return --attr k=v pairs as attributes, converted like CSV cells (6, true, a;b)."""
    raw = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--attr takes key=value; got {pair!r}.")
        raw[key.strip()] = value
    if vocabulary.record_kind_or_none(vocabulary.ACTION, kind) is None:
        return raw  # the pre-check reports the unknown kind
    return attributes_validate(record="action", kind=kind, attributes=raw, text=True)


def _level(value) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class Command(BaseCommand):
    help = (
        "Pre-check an action without recording it: --shop S --customer C --kind reply_sent "
        '--at "2026-11-23 10:00" [--occasion X] [--attr k=v ...] [--json].'
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="the shop's slug")
        parser.add_argument("--customer", required=True, help="the customer's external id")
        parser.add_argument("--kind", required=True, help="the action kind, e.g. reply_sent")
        parser.add_argument(
            "--at", required=True, dest="occurred_at", help="when; without offset: shop time"
        )
        parser.add_argument("--occasion", default="", help="the occasion's external id")
        parser.add_argument("--staff", default="", help="who would do it")
        parser.add_argument(
            "--attr",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="an attribute, e.g. lines=6 or extras=card;sticker (repeat)",
        )
        parser.add_argument(
            "--exception-reason", default="", help="our_mistake, deadline, goodwill or other"
        )
        parser.add_argument("--exception-note", default="")
        parser.add_argument("--json", action="store_true", help="print the API's JSON answer")
        parser.add_argument(
            "--language", default="en", choices=["en", "ja"], help="language of the lines"
        )

    def handle(self, *args, **options):
        shop = Shop.objects.filter(slug=options["shop"]).first()
        if shop is None:
            raise CommandError(f"No shop {options['shop']!r}.")
        exception = None
        if options["exception_reason"] or options["exception_note"]:
            exception = {"reason": options["exception_reason"], "note": options["exception_note"]}
        # No occasion given: the customer's one open occasion for this action, as the API.
        resolution = occasion_resolve(
            shop=shop,
            customer=options["customer"],
            kind=options["kind"],
            occurred_at=options["occurred_at"],
            occasion=options["occasion"],
        )
        try:
            result = precheck_run(
                shop=shop,
                customer=options["customer"],
                kind=options["kind"],
                occurred_at=options["occurred_at"],
                occasion=resolution.occasion,
                staff=options["staff"],
                exception=exception,
                attributes=_attributes(options["kind"], options["attr"]),
            )
        except ValidationError as error:
            lines = [
                f"{(item.params or {}).get('field', '-')}: {' '.join(item.messages)} ({item.code})"
                for item in error.error_list
            ]
            raise CommandError("The action is not valid:\n" + "\n".join(lines)) from error
        answer = answer_complete(result.as_dict(), resolution, tz=ZoneInfo(shop.timezone))
        if options["json"]:
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
            return
        self.stdout.write("\n".join(self._lines(answer, options["language"])))

    def _lines(self, answer: dict, language: str) -> list[str]:
        message = "message_ja" if language == "ja" else "message_en"
        label = "label_ja" if language == "ja" else "label_en"
        shown = answer["verdict"] if answer["judged"] or answer["verdict"] != "ok" else "not_judged"
        lines = [f"{MARKS[shown]} {shown}"]
        for finding in answer["findings"]:
            promise = finding["promise"]
            excused = " (excused)" if finding["excused"] else ""
            lines.append(
                f"  {finding['type']}{excused} · {promise['name']} v{promise['version']}: "
                f"{finding[message]}"
            )
        for promise in answer["promises"]:
            key = str(promise["id"])
            commitment = answer["commitment"][key]
            before = commitment["before"] or {"last_level": None, "best_level": None, "count": 0}
            judged = (
                f"level {_level(promise['level'])}, {'kept' if promise['kept'] else 'not kept'}"
                if promise["judged"]
                else "not judged"
            )
            lines.append(
                f"{promise['name']} ({promise[label]}) v{promise['version']}: {judged}; "
                f"allowed exception reasons: {', '.join(promise['excused_reasons']) or '-'}"
            )
            lines.append(
                f"  expected now: last {_level(before['last_level'])}, best "
                f"{_level(before['best_level'])}, {before['count']} times; after: last "
                f"{_level(commitment['last_level'])}, best {_level(commitment['best_level'])}, "
                f"{commitment['count']} times"
            )
            for precedent in commitment["precedents"]:
                lines.append(
                    f"  precedent: {precedent.get('what')} at {precedent.get('at')} "
                    f"({precedent.get('action') or 'this action'})"
                )
            for item in answer["history"][key]:
                lines.append(
                    f"  history: {item['at']} {item['action']} level {_level(item['level'])}"
                    f"{'' if item['kept'] else ' (not kept)'}"
                    f"{' (excused)' if item['excused'] else ''}"
                )
        for note in answer["notes"]:
            lines.append(f"note: {note[message]}")
        return lines
