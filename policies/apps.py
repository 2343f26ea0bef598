from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Promises and shop calendar"

    def ready(self):
        from django.core import checks
        from django.db.backends.signals import connection_created

        from . import immutability

        connection_created.connect(
            immutability.register_sqlite_function, dispatch_uid="policies_history_deletion"
        )
        checks.register(immutability.check_triggers, checks.Tags.database)
        _audit_words()


def _audit_words() -> None:
    """Give the audit trail (accounts, a lower app) the words of promise parameters, reasons
    and kinds: accounts cannot import them, policies hands them down."""
    from django.utils.functional import lazy
    from django.utils.translation import get_language

    from accounts.audit_words import FIELD_WORDS, VALUE_WORDS

    from .forms import PARAM_LABELS, VALUE_LABELS
    from .kinds import registry

    FIELD_WORDS.update({k: v for k, v in PARAM_LABELS.items() if k not in FIELD_WORDS})
    VALUE_WORDS.update(VALUE_LABELS)

    def kind_words(kind) -> str:
        return kind.label_ja if (get_language() or "").startswith("ja") else kind.label_en

    for kind in registry.all():
        VALUE_WORDS.setdefault(kind.id, lazy(kind_words, str)(kind))
