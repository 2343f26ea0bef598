"""Log-in: lockout after repeated failures, a new session on log-in, log-out ends it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

PASSWORD = "pw-Tsuzuku-2026!"  # tests/conftest.py make_user


def _log_in(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
class TestLockout:
    def test_fifth_failure_locks_the_username_from_that_address(self, client, staff):
        assert settings.AXES_FAILURE_LIMIT == 5
        answers = [_log_in(client, "staff1", "wrong").status_code for _ in range(5)]
        assert answers == [200, 200, 200, 200, 429]
        locked = _log_in(client, "staff1", PASSWORD)
        assert locked.status_code == 429
        assert "Too many failed log-ins" in locked.content.decode()
        assert "15 minutes" in locked.content.decode()
        assert "_auth_user_id" not in client.session

    def test_other_users_and_other_addresses_are_not_locked(self, client, staff, viewer):
        for _ in range(5):
            _log_in(client, "staff1", "wrong")
        assert _log_in(client, "viewer1", PASSWORD).status_code == 302
        assert _log_in(client, "staff1", PASSWORD, address="198.51.100.9").status_code == 302

    def test_the_lock_ends_after_the_cool_off(self, client, staff):
        for _ in range(5):
            _log_in(client, "staff1", "wrong")
        past = AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
        AccessAttempt.objects.update(attempt_time=past - timedelta(seconds=1))
        assert _log_in(client, "staff1", PASSWORD).status_code == 302

    def test_a_success_clears_the_failures(self, client, staff):
        for _ in range(4):
            _log_in(client, "staff1", "wrong")
        assert _log_in(client, "staff1", PASSWORD).status_code == 302
        assert AccessAttempt.objects.filter(username="staff1").count() == 0


@pytest.mark.django_db
class TestSession:
    def test_logging_in_gives_a_new_session_key(self, client, staff):
        session = client.session
        session["before_login"] = True
        session.save()
        before = session.session_key
        assert _log_in(client, "staff1", PASSWORD).status_code == 302
        after = client.cookies[settings.SESSION_COOKIE_NAME].value
        assert after != before
        assert Session.objects.filter(session_key=before).count() == 0

    def test_logging_out_ends_the_session(self, client, staff):
        _log_in(client, "staff1", PASSWORD)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        assert client.get(reverse("home")).status_code == 200
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert Session.objects.filter(session_key=key).count() == 0
        again = client.get(reverse("home"))
        assert again.status_code == 302
        assert again["Location"].startswith(reverse("login"))

    def test_logout_by_get_is_refused(self, client, staff):
        client.force_login(staff)
        assert client.get(reverse("logout")).status_code == 405
        assert client.get(reverse("home")).status_code == 200


class TestPasswordValidators:
    @pytest.mark.parametrize(
        ("password", "code"),
        [
            pytest.param("short1", "password_too_short", id="too-short"),
            pytest.param("password123", "password_too_common", id="common"),
            pytest.param("83920174653", "password_entirely_numeric", id="numeric"),
        ],
    )
    def test_weak_passwords_are_refused(self, password, code):
        with pytest.raises(ValidationError) as caught:
            validate_password(password)
        assert code in [error.code for error in caught.value.error_list]
