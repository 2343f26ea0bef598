"""`make run` (scripts/run) as README's "Starting with your shop" uses it: another port, no demo."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def checkout(tmp_path: Path) -> Path:
    """Return a copy of the project (links to its files) whose run/ logs stay in tmp_path."""
    root = tmp_path / "tsuzuku"
    root.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", "run", "scripts", "media", "db.sqlite3", ".env"}:
            (root / entry.name).symlink_to(entry)
    (root / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "run", root / "scripts" / "run")
    return root


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="no .venv")
def test_make_run_without_the_demo_on_another_port(tmp_path):
    root, port, database = checkout(tmp_path), free_port(), tmp_path / "shop.sqlite3"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": settings.REDIS_URL,
        "PORT": str(port),
        "DEMO": "0",
    }
    run = subprocess.Popen(  # noqa: S603 - our own script
        [str(root / "scripts" / "run")],
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline, answer = time.monotonic() + 180, None
        while time.monotonic() < deadline and run.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as page:  # noqa: S310
                    answer = page.status
                    break
            except OSError:
                time.sleep(0.5)
        assert answer == 200, "the server did not answer on PORT"
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        output = run.communicate(timeout=60)[0]
    assert f"Tsuzuku is running at http://127.0.0.1:{port}/" in output
    assert "DEMO=0: no demo shop, no demo logins." in output
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM policies_shop").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM auth_user").fetchone() == (0,)


def test_a_port_that_is_not_a_number_is_refused(tmp_path):
    root = checkout(tmp_path)
    result = subprocess.run(  # noqa: S603 - our own script
        [str(root / "scripts" / "run")],
        cwd=root,
        env={**os.environ, "PORT": "80; rm -rf /"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "PORT must be a port number" in result.stdout
