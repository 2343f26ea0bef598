"""The permission matrix: every URL × role × method → the status it must answer.

Each app lists its URLs in `tests/<app>/permission_matrix.py` as

    from accounts.permissions import Case, page, api

    MATRIX = {
        "policies:promise-list": Case(GET=page("viewer")),
        "policies:promise-create": Case(
            GET=page("manager"),
            POST=page("manager", ok=302),
            data={"kind": "handwritten_note", ...},
        ),
        "policies-api:promise-detail": Case(
            kwargs=lambda world: {"shop": world.shop.slug, "pk": make_promise(world).pk},
            GET=api("viewer"),
            PATCH=api("manager", ok=200),
            data=lambda world: {"params": {...}, "reason": "..."},
        ),
    }

and `tests/accounts/test_permission_matrix.py` checks that every named URL pattern has an
entry and that each role gets the status its entry says. The roles are anonymous, viewer,
staff, manager (all of `world.shop`) and other_manager (manager of `world.other_shop`
only, who must get 404 for everything of `world.shop`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ("anonymous", "viewer", "staff", "manager", "other_manager")
MEMBER_ROLES = ("viewer", "staff", "manager")
RANK = {"viewer": 1, "staff": 2, "manager": 3}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class World:
    """The shops and users a matrix case runs against; `objects` is for the case's own use."""

    shop: Any
    other_shop: Any
    users: dict  # role -> user (None for anonymous)
    objects: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """How one URL answers each role, per method.

    kwargs: the URL's kwargs, or a function of the World returning them (default: the shop's
    slug when the pattern has a `shop` kwarg). data: the request body (a dict or a function
    of the World); it should be valid, so that the roles allowed get their success status.
    format: "form", "json" or "multipart". query: a query string. auth: "session" or "token"
    (default: token for API URLs, session for pages). Each role's request runs in its own
    savepoint, rolled back afterwards, with kwargs and data built anew: what one role's POST
    changes, the next role does not see.

    An entry "namespace:*" covers every URL of a namespace the project does not write
    (admin, django_rq); it requests its `sample` URL.
    """

    GET: dict | None = None
    POST: dict | None = None
    PUT: dict | None = None
    PATCH: dict | None = None
    DELETE: dict | None = None
    kwargs: dict | Callable | None = None
    data: dict | Callable | None = None
    format: str | None = None
    query: str = ""
    auth: str | None = None
    sample: str | None = None  # for a "namespace:*" entry: the URL name to request

    def methods(self) -> dict[str, dict]:
        """Return {method: {role: status}} for the methods this case checks."""
        return {m: getattr(self, m) for m in METHODS if getattr(self, m) is not None}


def statuses(*, anonymous: int, viewer: int, staff: int, manager: int, other_manager: int):
    """Return an explicit {role: status} table."""
    return {
        "anonymous": anonymous,
        "viewer": viewer,
        "staff": staff,
        "manager": manager,
        "other_manager": other_manager,
    }


def _by_rank(lowest: str, *, ok: int, denied: int) -> dict:
    return {role: ok if RANK[role] >= RANK[lowest] else denied for role in MEMBER_ROLES}


def page(lowest: str, *, ok: int = 200, denied: int = 403) -> dict:
    """Return the statuses of a shop page for `lowest` role and above (login redirect, 404)."""
    return {"anonymous": 302, **_by_rank(lowest, ok=ok, denied=denied), "other_manager": 404}


def api(lowest: str, *, ok: int = 200, denied: int = 403) -> dict:
    """Return the statuses of a shop API endpoint for `lowest` role and above (401, 404)."""
    return {"anonymous": 401, **_by_rank(lowest, ok=ok, denied=denied), "other_manager": 404}


def signed_in(*, ok: int = 200, anonymous: int = 302) -> dict:
    """Return the statuses of a page any signed-in user may use, whatever their shops."""
    return {role: (anonymous if role == "anonymous" else ok) for role in ROLES}


def everyone(status: int) -> dict:
    """Return the same status for every role (public URLs)."""
    return dict.fromkeys(ROLES, status)


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern as text, e.g. "account/shops/<slug:shop>/members/"
    keys: tuple  # the kwargs the pattern takes
    namespace: str = ""


def _join(prefix: str, pattern) -> str:
    return prefix + str(pattern.pattern)


def url_routes(resolver=None, prefix: str = "", namespace: str = "", keys=()) -> Iterator[Route]:
    """Yield every URL pattern of the project with its full name, route and kwargs."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = keys + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_routes(entry, _join(prefix, entry), space, here)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {_join(prefix, entry)}>"
            full = f"{namespace}:{name}" if namespace else name
            yield Route(full, _join(prefix, entry), here, namespace)


def uncovered(matrix: dict) -> list[Route]:
    """Return the routes with no matrix entry (by name or by a "namespace:*" entry)."""
    missing = []
    for route in url_routes():
        space = route.namespace
        if route.name in matrix or (space and f"{space}:*" in matrix):
            continue
        missing.append(route)
    return missing


def stale(matrix: dict) -> list[str]:
    """Return the matrix entries that name no URL pattern of the project."""
    names = set()
    for route in url_routes():
        names.add(route.name)
        if route.namespace:
            names.add(f"{route.namespace}:*")
    return sorted(name for name in matrix if name not in names)
