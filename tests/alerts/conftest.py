"""Fixtures of the alerts tests: the commitments builders."""

from tests.commitments.conftest import log, make_promise  # noqa: F401
