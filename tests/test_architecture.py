"""House rules that import-linter cannot express (it sees modules, not names): no app imports
another app's private names, and no app uses another app's model managers.

The floors and the absence of cycles between apps are import-linter contracts in
pyproject.toml (`make lint` runs `lint-imports`); docs/architecture.md explains both.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "onestop"
MANAGERS = {"objects", "_default_manager", "_base_manager"}

# Known offenders still being rewritten elsewhere, as "path:what"; each entry must still occur
# (a stale one fails the test), so the list only shrinks.
ALLOWED = {
    # intake helper removes (accounts.selectors.users_by_username)
    "open311/seed.py:User.objects",
    "open311/management/commands/open311_key.py:get_user_model()._default_manager",
}

# Modules that register with a registry when imported, but that their app's `ready()` does not
# import (so the registration waits for whoever imports them first).
LATE_REGISTRATIONS: set[str] = set()
REGISTERING = {
    "register",
    "provides",
    "on_catalogue_changed",
    "provide_holdings",
    "provide_purposes",
    "provide_role_check",
}


def _apps(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "apps.py").is_file())


def _model_names(root: Path) -> dict[str, set[str]]:
    """{app: names of the classes its models.py defines}."""
    names: dict[str, set[str]] = {}
    for app in _apps(root):
        models = root / app / "models.py"
        if models.is_file():
            tree = ast.parse(models.read_text(encoding="utf-8"))
            names[app] = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    return names


def _sources(root: Path) -> Iterator[tuple[str, str, ast.AST]]:
    """(app, path relative to onestop/, tree) of every module of an app, migrations aside."""
    for app in _apps(root):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield app, path.relative_to(root).as_posix(), ast.parse(path.read_text("utf-8"))


def _foreign_imports(
    app: str, path: str, tree: ast.AST, apps: list[str], models: dict[str, set[str]]
) -> tuple[set[str], dict[str, str], dict[str, str]]:
    """Private names imported from other apps, and the names bound to other apps' models
    ({name: app}) and modules ({name: "app.module"})."""
    found: set[str] = set()
    other_models: dict[str, str] = {}
    other_modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("onestop."):
            continue
        parts = str(node.module).split(".")
        owner = parts[1]
        if owner == app or owner not in apps:
            continue
        for alias in node.names:
            bound = alias.asname or alias.name
            if alias.name.startswith("_"):
                found.add(f"{path}:{'.'.join(parts[1:])}.{alias.name}")
            if parts[2:] == ["models"] and alias.name in models.get(owner, ()):
                other_models[bound] = owner
            elif len(parts) == 2:  # from onestop.notify import services
                other_modules[bound] = f"{owner}.{alias.name}"
    return found, other_models, other_modules


def _is_user_manager(node: ast.AST) -> bool:
    """``get_user_model().objects`` (or another manager)."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in MANAGERS
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "get_user_model"
    )


def violations(root: Path = ROOT) -> set[str]:
    """Every "path:what" where an app reaches into another app (imports inside functions too)."""
    apps = _apps(root)
    models = _model_names(root)
    found: set[str] = set()
    for app, path, tree in _sources(root):
        private, other_models, other_modules = _foreign_imports(app, path, tree, apps, models)
        found |= private
        for node in ast.walk(tree):
            if app != "accounts" and isinstance(node, ast.Attribute) and _is_user_manager(node):
                found.add(f"{path}:get_user_model().{node.attr}")
            if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
                continue
            name, attr = node.value.id, node.attr
            if name in other_models and attr in MANAGERS:
                found.add(f"{path}:{name}.{attr}")
            if name in other_modules and attr.startswith("_") and not attr.startswith("__"):
                found.add(f"{path}:{other_modules[name]}.{attr}")
    return found


def test_no_app_reaches_into_another() -> None:
    """Another app's rows come through its selectors and services, and its private names
    (a leading underscore) stay inside it."""
    new = sorted(violations() - ALLOWED)
    assert new == [], (
        "Use the owning app's selectors/services (add one there if it is missing):\n"
        + "\n".join(new)
    )


def test_the_allowed_list_is_not_stale() -> None:
    assert sorted(ALLOWED - violations()) == []


def test_the_rule_sees_what_it_should(tmp_path: Path) -> None:
    """The scanner flags a private import, a private attribute and a foreign manager (also
    inside a function), and leaves an app's own managers and public names alone."""
    for app in ("insights", "notify", "credentials", "org", "catalog"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "apps.py").write_text("", encoding="utf-8")
    (tmp_path / "org" / "models.py").write_text("class Region: ...\n", encoding="utf-8")
    (tmp_path / "catalog" / "models.py").write_text("class Item: ...\n", encoding="utf-8")
    (tmp_path / "insights" / "models.py").write_text("class Mine: ...\n", encoding="utf-8")
    (tmp_path / "insights" / "probe.py").write_text(
        "from onestop.notify.services import _language, notify_send\n"
        "from onestop.credentials import pdf\n"
        "from onestop.org.models import Region\n"
        "from onestop.insights.models import Mine\n"
        "def f():\n"
        "    from onestop.catalog.models import Item\n"
        "    pdf._draw_qr(); pdf.render(); Region.objects.all(); Item._default_manager.all()\n"
        "    Mine.objects.all(); notify_send(); get_user_model().objects.all()\n",
        encoding="utf-8",
    )

    assert violations(tmp_path) == {
        "insights/probe.py:notify.services._language",
        "insights/probe.py:credentials.pdf._draw_qr",
        "insights/probe.py:Region.objects",
        "insights/probe.py:Item._default_manager",
        "insights/probe.py:get_user_model().objects",
    }


def _registers_at_import(tree: ast.Module) -> bool:
    """A top-level decorator or call named like a registry's entry point (not in the module
    that defines the registry: notify.templates adds its own templates)."""
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}

    def named(node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            node = node.func
        return (isinstance(node, ast.Attribute) and node.attr in REGISTERING) or (
            isinstance(node, ast.Name) and node.id in REGISTERING and node.id not in defined
        )

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if any(named(d) for d in node.decorator_list):
                return True
        elif isinstance(node, (ast.Expr, ast.For)):
            calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
            if any(named(c) for c in calls):
                return True
    return False


def _imported_by_ready(app: str) -> set[str]:
    """The modules of `app` that its AppConfig.ready() imports, as "app/module.py"."""
    tree = ast.parse((ROOT / app / "apps.py").read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == f"onestop.{app}":
            found.update(f"{app}/{alias.name}.py" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"onestop.{app}."):
            found.add(f"{app}/{str(node.module).split('.', 2)[2].replace('.', '/')}.py")
    return found


def test_registry_providers_register_in_ready() -> None:
    """Registries (core.seeding, web.registry, catalog.hooks, notify templates, ...) are filled
    from each app's AppConfig.ready(), as docs/architecture.md says: a module that registers
    when imported must be one that ready() imports."""
    late = set()
    for app, path, tree in _sources(ROOT):
        # Django's admin discovers admin.py itself (admin.site.register)
        if path.endswith(("/apps.py", "/admin.py")) or not isinstance(tree, ast.Module):
            continue
        if _registers_at_import(tree) and path not in _imported_by_ready(app):
            late.add(path)
    assert sorted(late - LATE_REGISTRATIONS) == []
    assert sorted(LATE_REGISTRATIONS - late) == []  # the list only shrinks
