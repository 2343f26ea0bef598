"""The operations app: the worker and scheduler commands, health and status."""

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    label = "operations"
    verbose_name = "Operations"
