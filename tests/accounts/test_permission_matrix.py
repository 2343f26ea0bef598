"""Every URL × role × method answers the status of the permission matrix.

The matrix is the union of `tests/<app>/permission_matrix.py` (`MATRIX` dicts); the
machinery and the helpers to write entries are in accounts/permissions.py.
"""

import importlib.util
import json
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.permissions import ROLES, World, stale, uncovered
from accounts.tokens import api_token_create
from policies.models import Shop

TESTS = Path(__file__).resolve().parent.parent


def load_matrix() -> dict:
    """Return the union of every tests/<app>/permission_matrix.py MATRIX."""
    matrix, owner = {}, {}
    for path in sorted(TESTS.glob("*/permission_matrix.py")):
        spec = importlib.util.spec_from_file_location(f"_matrix_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, case in module.MATRIX.items():
            if name in matrix:
                raise AssertionError(f"{name} is in both {owner[name]} and {path}")
            matrix[name], owner[name] = case, path
    return matrix


MATRIX = load_matrix()
CASES = [
    pytest.param(name, method, id=f"{name} {method}")
    for name, case in sorted(MATRIX.items())
    for method in case.methods()
]


class _Rollback(Exception):
    pass


@pytest.fixture
def world(shop, manager, staff, viewer, make_user):
    other_shop = Shop.objects.create(slug="other", name="Other")
    other_manager = make_user("other-manager", shop=other_shop, role=Role.MANAGER)
    return World(
        shop=shop,
        other_shop=other_shop,
        users={
            "anonymous": None,
            "viewer": viewer,
            "staff": staff,
            "manager": manager,
            "other_manager": other_manager,
        },
    )


def _value(spec, world):
    return spec(world) if callable(spec) else spec


def _url(name, case, world) -> str:
    target = case.sample or name
    kwargs = _value(case.kwargs, world)
    if kwargs is None:
        route = next(r for r in _routes() if r.name == target)
        kwargs = {"shop": world.shop.slug} if "shop" in route.keys else {}
    return reverse(target, kwargs=kwargs) + (f"?{case.query}" if case.query else "")


def _routes():
    from accounts.permissions import url_routes

    return list(url_routes())


def _request(case, method, url, role, world):
    """Return the response of one request by this role (inside the caller's savepoint)."""
    client = Client()
    is_api = url.startswith("/api/")
    user = world.users[role]
    extra = {}
    if user is not None:
        if (case.auth or ("token" if is_api else "session")) == "token":
            _token, key = api_token_create(user=user, name="matrix", actor=None)
            extra["HTTP_AUTHORIZATION"] = f"Token {key}"
        else:
            client.force_login(user)
    data = _value(case.data, world)
    fmt = case.format or ("json" if is_api else "form")
    call = getattr(client, method.lower())
    if method == "GET":
        return call(url, data or {}, **extra)
    if fmt == "json":
        body = json.dumps(data if data is not None else {})
        return call(url, body, content_type="application/json", **extra)
    if fmt == "multipart" or method == "POST":
        return call(url, data or {}, **extra)
    from urllib.parse import urlencode

    return call(
        url, urlencode(data or {}), content_type="application/x-www-form-urlencoded", **extra
    )


class TestPermissionMatrix:
    def test_every_url_has_an_entry(self):
        missing = uncovered(MATRIX)
        assert not missing, (
            "These URLs have no entry in the permission matrix; add them to "
            "tests/<app>/permission_matrix.py (see accounts/permissions.py):\n"
            + "\n".join(f"  {route.name}  ->  /{route.route}" for route in missing)
        )

    def test_every_entry_names_a_url(self):
        assert stale(MATRIX) == [], "Matrix entries for URLs that no longer exist"

    @pytest.mark.django_db
    @pytest.mark.parametrize(("name", "method"), CASES)
    def test_each_role_gets_its_status(self, name, method, world):
        case = MATRIX[name]
        expected = case.methods()[method]
        assert set(expected) == set(ROLES), f"{name} {method}: give a status for each of {ROLES}"
        got, notes = {}, []
        for role in ROLES:
            try:
                with transaction.atomic():
                    url = _url(name, case, world)
                    response = _request(case, method, url, role, world)
                    got[role] = response.status_code
                    notes.extend(_inconsistencies(name, role, url, response))
                    raise _Rollback
            except _Rollback:
                pass
        assert got == expected, f"{name} {method}: expected {expected}, got {got}"
        assert notes == []


# Public URLs whose redirect is not a login redirect.
REDIRECTS_ELSEWHERE = {
    "set_language",
    "logout",
    # Public by design: the reset request and an invitation link redirect to their next step.
    "accounts:password-reset",
    "accounts:invitation-accept",
}
# Under /api/ but an HTML page for people (Swagger UI): its 401 has no JSON body.
API_HTML_PAGES = {"api-docs"}


def _inconsistencies(name, role, url, response) -> list[str]:
    """Return what is wrong with how anonymous is refused (login redirect, API error body)."""
    if role != "anonymous" or name in REDIRECTS_ELSEWHERE:
        return []
    notes = []
    if response.status_code == 302:
        location = response.headers.get("Location", "")
        login = (
            reverse("admin:login")
            if url.startswith(("/admin/", "/django-rq/"))
            else reverse("login")
        )
        if not location.startswith(login):
            notes.append(f"{url}: anonymous is redirected to {location}, not to {login}")
    if url.startswith("/api/") and response.status_code == 401 and name not in API_HTML_PAGES:
        body = json.loads(response.content)
        if body.get("errors", [{}])[0].get("code") != "not_authenticated":
            notes.append(f"{url}: anonymous 401 body is {body}")
        if response.headers.get("WWW-Authenticate") != "Token":
            notes.append(f"{url}: anonymous 401 without WWW-Authenticate: Token")
    return notes
