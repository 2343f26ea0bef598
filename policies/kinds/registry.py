"""The registry of promise kinds: ``@register`` checks a kind's contract when it is imported."""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policies import vocabulary

from .base import PromiseKind

_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


class UnknownKind(ValidationError):
    """A promise kind id that no class is registered under (code unknown_kind, field kind)."""

    code = "unknown_kind"

    def __init__(self, kind_id):
        self.kind_id = kind_id
        message = str(_("Unknown promise kind “%(kind)s”.") % {"kind": kind_id})
        super().__init__(message.replace("%", "%%"), code="unknown_kind", params={"field": "kind"})


def param_fields(serializer, prefix: str = ""):
    """Yield (path, field) for every declared parameter, nested ones (tiers) included.

    The declared fields, not the bound ones: binding gives a field without a label one made
    from its name ("Min lines"), which is a key, not words.
    """
    declared = getattr(type(serializer), "_declared_fields", {})
    for name, field in declared.items():
        path = f"{prefix}{name}"
        yield path, field
        child = getattr(field, "child", None)
        nested = child if isinstance(child, serializers.Serializer) else field
        if isinstance(nested, serializers.Serializer):
            yield from param_fields(nested, f"{path}.")


class Registry:
    """Promise kinds by id, in the order they were registered."""

    def __init__(self):
        self._kinds: dict[str, PromiseKind] = {}

    def register(self, kind_class: type[PromiseKind]) -> type[PromiseKind]:
        """Register a kind class after checking its contract; usable as a class decorator."""
        self.check_contract(kind_class)
        kind_class.unit = vocabulary.unit_register(kind_class.unit)
        kind_class.level_unit = kind_class.unit.id
        self._kinds[kind_class.id] = kind_class()
        return kind_class

    def check_contract(self, kind_class) -> None:
        """Raise ImproperlyConfigured naming the first rule the kind class breaks."""
        name = getattr(kind_class, "__name__", repr(kind_class))

        def fail(problem: str):
            raise ImproperlyConfigured(f"Promise kind {name}: {problem}")

        if not isinstance(kind_class, type) or not issubclass(kind_class, PromiseKind):
            fail("must be a class that subclasses policies.kinds.base.PromiseKind.")
        kind_id = getattr(kind_class, "id", None)
        if not isinstance(kind_id, str) or not _ID.match(kind_id):
            fail(f"id must be a non-empty snake_case string, got {kind_id!r}.")
        if kind_id in self._kinds:
            other = type(self._kinds[kind_id]).__name__
            fail(f"id {kind_id!r} is already registered by {other}.")
        for attribute in ("label_ja", "label_en"):
            value = getattr(kind_class, attribute, None)
            if not isinstance(value, str) or not value.strip():
                fail(f"{attribute} must be a non-empty string, got {value!r}.")
        occasion_kind = getattr(kind_class, "occasion_kind", None)
        occasions = list(vocabulary.occasion_kinds())
        if occasion_kind not in occasions:
            fail(
                f"occasion_kind must be an occasion kind registered in policies.vocabulary "
                f"(occasion_register), one of {occasions}; got {occasion_kind!r}."
            )
        action_kind = getattr(kind_class, "action_kind", None)
        actions = list(vocabulary.action_kinds())
        if action_kind not in actions:
            fail(
                f"action_kind must be an action kind registered in policies.vocabulary "
                f"(action_register), one of {actions}; got {action_kind!r}."
            )
        reads = getattr(kind_class, "reads_action_kinds", ())
        if not isinstance(reads, tuple) or any(
            read not in actions or read == action_kind for read in reads
        ):
            fail(
                f"reads_action_kinds must be a tuple of action kinds registered in "
                f"policies.vocabulary other than action_kind, of {actions}; got {reads!r}."
            )
        unit = kind_class.__dict__.get("unit", getattr(kind_class, "unit", None))
        if not isinstance(unit, vocabulary.Unit):
            fail("unit must be a policies.vocabulary.Unit (its words in both languages).")
        if not isinstance(getattr(kind_class, "higher_is_better", None), bool):
            fail("higher_is_better must be True or False.")
        params = getattr(kind_class, "Params", None)
        if not isinstance(params, type) or not issubclass(params, serializers.Serializer):
            fail("Params must be a rest_framework Serializer class (subclass KindParams).")
        if "excused_reasons" not in params().fields:
            fail("Params must accept excused_reasons: subclass policies.kinds.base.KindParams.")
        for path, field in param_fields(params()):
            for attribute in ("label", "help_text"):
                value = getattr(field, attribute, None)
                if value is None or not str(value).strip():
                    fail(f"parameter {path!r} needs a {attribute} (words for the manager).")
        labels = getattr(kind_class, "precedent_labels", None)
        if not isinstance(labels, dict):
            fail("precedent_labels must be a dict {what: words} (may be empty).")
        for what, words in labels.items():
            if not isinstance(what, str) or words is None or not str(words).strip():
                fail(f"precedent_labels[{what!r}] must be words.")
        # The API lists every kind's schema and the manager's form is built from it.
        kind_class.params_schema()

    def get(self, kind_id: str) -> PromiseKind:
        """Return the kind registered under this id, or raise UnknownKind."""
        try:
            return self._kinds[kind_id]
        except (KeyError, TypeError):
            raise UnknownKind(kind_id) from None

    def all(self) -> list[PromiseKind]:
        """Return every registered kind, in registration order."""
        return list(self._kinds.values())

    def ids(self) -> list[str]:
        """Return the registered ids, in registration order."""
        return list(self._kinds)

    def __contains__(self, kind_id) -> bool:
        return kind_id in self._kinds


default_registry = Registry()


def register(kind_class):
    """Register a kind class with the default registry (class decorator)."""
    return default_registry.register(kind_class)


def get(kind_id: str) -> PromiseKind:
    """Return the kind registered under this id, or raise UnknownKind."""
    return default_registry.get(kind_id)


def all() -> list[PromiseKind]:  # noqa: A001 - mirrors registry.all() of the architecture
    """Return every registered kind, in registration order."""
    return default_registry.all()


def ids() -> list[str]:
    """Return the registered ids, in registration order."""
    return default_registry.ids()
