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
    and kinds: accounts cannot import them, policies hands them down. Read from the registries
    once every kind module is imported (policies.kinds imports them all), so a kind added as a
    module has its words in the audit trail too."""
    from django.utils.functional import lazy
    from django.utils.translation import get_language

    from accounts.audit_words import FIELD_VALUE_WORDS, FIELD_WORDS, VALUE_WORDS

    from .forms import param_value_words
    from .kinds import registry
    from .kinds.registry import param_fields
    from .vocabulary import ExceptionReason

    VALUE_WORDS.update(dict(ExceptionReason.choices))
    for kind in registry.all():
        for path, field in param_fields(kind.Params()):
            # Nested ones too (a tier's min_total): the audit shows stored params as they are.
            name = path.rpartition(".")[2]
            if name not in FIELD_WORDS and field.label:
                FIELD_WORDS[name] = field.label
        for name, words in param_value_words(kind).items():
            # Per parameter: "all" is every review for scope, but not for a closure.
            FIELD_VALUE_WORDS.setdefault(name, {}).update(
                {value: label for value, label in words.items() if value not in VALUE_WORDS}
            )

    def kind_words(kind) -> str:
        return kind.label_ja if (get_language() or "").startswith("ja") else kind.label_en

    for kind in registry.all():
        VALUE_WORDS.setdefault(kind.id, lazy(kind_words, str)(kind))
