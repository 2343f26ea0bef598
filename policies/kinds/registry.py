"""The registry of promise kinds: ``@register`` checks a kind's contract when it is imported."""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from commitments.models import ActionKind, OccasionKind

from .base import PromiseKind

_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


class UnknownKind(ValidationError):
    """A promise kind id that no class is registered under (code unknown_kind, field kind)."""

    code = "unknown_kind"

    def __init__(self, kind_id):
        self.kind_id = kind_id
        message = str(_("Unknown promise kind “%(kind)s”.") % {"kind": kind_id})
        super().__init__(message.replace("%", "%%"), code="unknown_kind", params={"field": "kind"})


class Registry:
    """Promise kinds by id, in the order they were registered."""

    def __init__(self):
        self._kinds: dict[str, PromiseKind] = {}

    def register(self, kind_class: type[PromiseKind]) -> type[PromiseKind]:
        """Register a kind class after checking its contract; usable as a class decorator."""
        self.check_contract(kind_class)
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
        for attribute in ("label_ja", "label_en", "level_unit"):
            value = getattr(kind_class, attribute, None)
            if not isinstance(value, str) or not value.strip():
                fail(f"{attribute} must be a non-empty string, got {value!r}.")
        occasion_kind = getattr(kind_class, "occasion_kind", None)
        if occasion_kind not in OccasionKind.values:
            fail(f"occasion_kind must be one of {OccasionKind.values}, got {occasion_kind!r}.")
        action_kind = getattr(kind_class, "action_kind", None)
        if action_kind not in ActionKind.values:
            fail(f"action_kind must be one of {ActionKind.values}, got {action_kind!r}.")
        if not isinstance(getattr(kind_class, "higher_is_better", None), bool):
            fail("higher_is_better must be True or False.")
        params = getattr(kind_class, "Params", None)
        if not isinstance(params, type) or not issubclass(params, serializers.Serializer):
            fail("Params must be a rest_framework Serializer class (subclass KindParams).")
        if "excused_reasons" not in params().fields:
            fail("Params must accept excused_reasons: subclass policies.kinds.base.KindParams.")
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
