from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "platforms"
    verbose_name = "Shop platforms (webhooks, export profiles)"

    def ready(self):
        from commitments import import_hooks

        from . import profiles

        import_hooks.profile_finder(profiles.profile_for_import)
