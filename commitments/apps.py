from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Occasions, actions, commitments and findings"

    def ready(self):
        from policies import hooks

        from . import jobs

        hooks.rejudge_receiver(jobs.rejudge_on_policy_change)
