from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Occasions, actions, commitments and findings"

    def ready(self):
        from policies import hooks

        # The import and the sweeper register their job bodies with jobs (which imports
        # neither of them: no import circle).
        from . import imports, jobs, selectors, sweeper  # noqa: F401
        from .judging import marks

        hooks.rejudge_receiver(jobs.rejudge_on_policy_change)
        hooks.rejudge_pending_provider(marks.rejudge_pending_count)
        hooks.impact_provider(selectors.repeat_customers_above)
        hooks.shop_delete_receiver(selectors.shop_log_delete)
