"""Fixtures of the platforms tests: the commitments builders (promises with versions)."""

from tests.commitments.conftest import make_promise  # noqa: F401
