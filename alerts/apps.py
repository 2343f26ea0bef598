from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts and report recipients"

    def ready(self):
        from reports import hooks

        from . import selectors

        hooks.recipients_finder(selectors.report_recipients_chosen)
