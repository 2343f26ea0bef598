from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Occasions, actions, commitments and findings"

    def ready(self):
        from policies import hooks

        from . import jobs
        from .judging import marks

        hooks.rejudge_receiver(jobs.rejudge_on_policy_change)
        hooks.rejudge_pending_provider(marks.rejudge_pending_count)
