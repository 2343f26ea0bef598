"""Browser tests: Playwright for Python driving Debian's chromium against a live server.

Marked ``browser``. Playwright's own browser download is not used: the package ``chromium``
(and ``fonts-noto-cjk`` for Japanese text) come from Debian; ``.ci/run`` installs them when
missing. Without chromium the tests fail in CI and are skipped, loudly, elsewhere.
Screenshots of each final state go to ``test-screenshots/`` (git-ignored, named in README).
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path:
        return path
    message = (
        "\n" + "!" * 78 + "\n"
        "BROWSER TESTS SKIPPED: Debian's chromium is not installed.\n"
        "Install it with: apt-get update && apt-get install -y chromium fonts-noto-cjk\n" + "!" * 78
    )
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI (.ci/run installs it)." + message)
    print(message, file=sys.stderr)
    pytest.skip("chromium is not installed (see the message above)")


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is open; the
    # ORM calls of the tests are still plain synchronous calls between page actions. Only for
    # this module (never in the environment of other tests or of subprocesses afterwards).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            yield browser
            browser.close()


@pytest.fixture
def open_as(browser, live_server, client):
    """Return open_as(user, width="desktop", language="ja") -> a logged-in page."""
    contexts = []

    def open_page(user, *, width="desktop", language="ja"):
        client.force_login(user)
        session = client.cookies["sessionid"].value
        w, h = WIDTHS[width]
        context = browser.new_context(
            viewport={"width": w, "height": h},
            locale="ja-JP" if language == "ja" else "en-US",
            extra_http_headers={"Accept-Language": language},
        )
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save the page's final state under test-screenshots/ and return the path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def overflow(page) -> int:
    """Return how many pixels the page is wider than the window (0: no horizontal scroll)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def widest(page, limit: int = 3) -> list[str]:
    """Return the elements that reach past the window's right edge (to say what overflows)."""
    return page.evaluate(
        """(limit) => {
          const out = [];
          for (const el of document.querySelectorAll("body *")) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 0.5 && r.width > 0) {
              let inside = el.parentElement, clipped = false;
              while (inside && inside !== document.body) {
                const s = getComputedStyle(inside);
                if (["auto", "hidden", "scroll"].includes(s.overflowX)) {
                  clipped = true; break;
                }
                inside = inside.parentElement;
              }
              const name = el.tagName.toLowerCase() + "." + el.className;
              if (!clipped) out.push(name + " " + Math.round(r.right));
            }
            if (out.length >= limit) break;
          }
          return out;
        }""",
        limit,
    )
