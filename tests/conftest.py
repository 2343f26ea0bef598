"""Fixtures shared by every test: shops, users with roles, API clients, the real RQ queue."""

import django_rq
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rq import SimpleWorker

from accounts.models import Membership, Role
from policies.models import Shop


@pytest.fixture
def shop(db):
    return Shop.objects.create(
        slug="kobo",
        name="Kobo",
        closed_weekdays=[5, 6],
        holidays="JP",
        business_hours=[{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
    )


@pytest.fixture
def make_user(db):
    def make(username, *, shop=None, role=None):
        user = get_user_model().objects.create_user(username, password="pw-Tsuzuku-2026!")
        if shop is not None:
            Membership.objects.create(user=user, shop=shop, role=role)
        return user

    return make


@pytest.fixture
def manager(shop, make_user):
    return make_user("manager1", shop=shop, role=Role.MANAGER)


@pytest.fixture
def staff(shop, make_user):
    return make_user("staff1", shop=shop, role=Role.STAFF)


@pytest.fixture
def viewer(shop, make_user):
    return make_user("viewer1", shop=shop, role=Role.VIEWER)


@pytest.fixture
def api(manager):
    """Return an API client signed in as the shop's manager."""
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.fixture
def rq_queue():
    """Return the real default queue on the tests' own Redis db, emptied before and after."""
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


@pytest.fixture
def run_worker(rq_queue):
    """Return a function that runs a real RQ worker in burst mode until the queue is empty."""

    def run():
        worker = SimpleWorker([rq_queue], connection=rq_queue.connection)
        worker.work(burst=True)
        return worker

    return run


@pytest.fixture(autouse=True)
def _empty_cache():
    """Empty the process's cache (e.g. the navigation's worklist count) before each test."""
    from django.core.cache import cache

    cache.clear()
