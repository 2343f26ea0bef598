"""Build a shop's weekly drift report for any week, print its summary, optionally e-mail it."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from policies.models import Shop
from reports.builder import report_build
from reports.selectors import week_just_ended
from reports.services import report_email


class Command(BaseCommand):
    help = "Build (or rebuild) the weekly drift report of a shop; --email also sends it."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="The shop's slug.")
        parser.add_argument(
            "--week", help="ISO week such as 2026-W47 (default: the last full week, shop time)."
        )
        parser.add_argument(
            "--email",
            action="store_true",
            help="E-mail it to the shop's managers (again, if it was sent before).",
        )
        parser.add_argument(
            "--last",
            type=int,
            default=0,
            help="Build the reports of the last N ended weeks instead of one (not e-mailed).",
        )

    def handle(self, *args, shop, week=None, email=False, last=0, **options):
        shop_obj = Shop.objects.filter(slug=shop).first()
        if shop_obj is None:
            raise CommandError(f"No shop with the slug {shop!r}.")
        if last:
            if last < 1 or week or email:
                raise CommandError("--last N (N >= 1) goes without --week and --email.")
            ended = week_just_ended(now=timezone.now(), tz=shop_obj.timezone)
            for offset in range(last - 1, -1, -1):
                report = report_build(shop=shop_obj, week=ended.shifted(-offset).label)
                self.stdout.write(self._summary(report).splitlines()[0])
            return
        week = week or week_just_ended(now=timezone.now(), tz=shop_obj.timezone).label
        try:
            report = report_build(shop=shop_obj, week=week)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self._summary(report))
        if email:
            sent = report_email(report=report, force=True)
            self.stdout.write(self.style.SUCCESS(f"E-mailed to {sent} manager(s)."))

    def _summary(self, report) -> str:
        """Return the report's summary as a few lines of text."""
        data, total = report.data, report.data["summary"]
        kept = "-" if total["kept_pct"] is None else f"{total['kept_pct']} %"
        lines = [
            f"{report.shop.slug} {report.week} ({data['start'][:10]} - {data['end'][:10]}, "
            f"{data['timezone']})",
            f"checks {total['volume']}, kept {kept}, breach {total['breach']}, "
            f"overdue {total['overdue']}, drift {total['drift']}, "
            f"precedent {total['precedent']}, excused {total['excused']}, "
            f"customers at risk {total['customers_at_risk']}",
        ]
        for section in data["promises"]:
            trend = section["shop_drift"]
            flag = (
                f"  SHOP-LEVEL DRIFT {trend['start']} -> {trend['latest']}"
                if trend["flagged"]
                else ""
            )
            section_kept = "-" if section["kept_pct"] is None else f"{section['kept_pct']} %"
            lines.append(
                f"  [{section['id']}] {section['name']} ({section['kind']}): "
                f"checks {section['volume']}, kept {section_kept}, breach {section['breach']}, "
                f"drift {section['drift']}, at risk {section['customers_at_risk']}{flag}"
            )
        lines.append(
            f"promise changes {len(data['changes'])}, exceptions {data['exceptions']['total']}"
        )
        return "\n".join(lines)
