import pytest

from accounts.models import Role
from policies.models import Shop


@pytest.fixture
def other_shop(db):
    return Shop.objects.create(slug="other", name="Other")


@pytest.fixture
def other_manager(other_shop, make_user):
    return make_user("other-manager", shop=other_shop, role=Role.MANAGER)
