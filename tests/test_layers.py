"""Dependencies point one way, read from the source (the AST of every module).

accounts and config at the bottom, then policies (shops, calendar, promises, kinds, the
vocabulary), then commitments (the log, judging), then reports, platforms and alerts. A module
may import its own app and the apps below it, never one above — also not inside a function
(a lazy import is still a dependency). Within commitments no modules import each other in a
circle, lazily or not. (config imports every app for the URLs and the cron schedule, and
accounts.access reads policies' Shop: the two known exceptions of the bottom layer.)
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# What each app may not import: every app above it.
ABOVE = {
    "policies": {"commitments", "reports", "platforms", "alerts"},
    "commitments": {"reports", "platforms", "alerts"},
    "accounts": {"commitments", "reports", "platforms", "alerts"},
}


def modules_of(app: str) -> list[tuple[str, Path]]:
    """Return (dotted name, path) of every module of an app (migrations included)."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def imported(name: str, path: Path) -> list[tuple[str, int]]:
    """Return the absolute names a module imports (at any depth), with their lines.

    `from . import x` names the submodule x when there is one, else the package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.append((candidate if _is_module(candidate) else base, node.lineno))
    return out


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _owner(dotted: str, modules: set[str]) -> str | None:
    """Return the module of `modules` a dotted name refers to (its longest prefix)."""
    while dotted:
        if dotted in modules:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_no_app_imports_an_app_above_it(app):
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in modules_of(app)
        for target, line in imported(name, path)
        if target.split(".")[0] in ABOVE[app]
    ]
    assert upward == []


def cycles(app: str) -> list[list[str]]:
    """Return the import circles among an app's modules (strongly connected components)."""
    modules = dict(modules_of(app))
    names = set(modules)
    graph = {
        name: sorted(
            {
                owner
                for target, _line in imported(name, path)
                if (owner := _owner(target, names)) is not None
                and owner != name
                # A package's own __init__ importing its submodules, and a submodule
                # importing its package, is how a package is built, not a circle.
                and not owner.startswith(f"{name}.")
                and not name.startswith(f"{owner}.")
            }
        )
        for name, path in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_commitments_modules_import_each_other_without_a_circle():
    assert cycles("commitments") == []


def test_the_policies_modules_import_each_other_without_a_circle():
    assert cycles("policies") == []


def test_the_walk_sees_a_lazy_upward_import_and_a_circle(tmp_path, monkeypatch):
    """The checks can fail: a function-level import of an app above, and a two-module circle."""
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    app = tmp_path / "policies"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "a.py").write_text("from . import b\n\ndef f():\n    from commitments import models\n")
    (app / "b.py").write_text("def g():\n    from .a import f\n")
    (tmp_path / "commitments").mkdir()
    (tmp_path / "commitments" / "__init__.py").write_text("")
    (tmp_path / "commitments" / "models.py").write_text("")
    targets = [
        target for name, path in modules_of("policies") for target, _ in imported(name, path)
    ]
    assert "commitments.models" in targets
    assert cycles("policies") == [["policies.a", "policies.b"]]
