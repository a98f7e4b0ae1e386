"""Imports go one way (issue 18): labportal (the register and the shared parts) is below the apps
and names none of them. Every module under labportal/ is parsed, imports inside functions
included; what an app adds to labportal's pages and admin is registered from the app's
AppConfig.ready (labportal/page_parts.py, review/apps.py, transition/apps.py)."""

import ast
from pathlib import Path

import labportal

APPS = ("applications", "review", "transition")
LABPORTAL = Path(labportal.__file__).parent

# (module path relative to labportal/, imported module) pairs that may name an app. Empty today:
# - settings.py names the apps in INSTALLED_APPS as strings, which is no import;
# - urls.py (the root URLconf) includes the apps' URLconfs by dotted string (include("...")),
#   which is no import either;
# - backup.py lists the models it saves by "app_label.Model" strings (apps.get_model), not by import;
# - migrations name other apps only as dependency strings.
# Add a pair only where Django itself requires the import, and say why here.
ALLOWED: set[tuple[str, str]] = set()


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):  # ast.walk: function-local imports too
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _names_an_app(module: str) -> bool:
    return module.split(".")[0] in APPS


def test_labportal_imports_none_of_the_apps():
    found = []
    for path in sorted(LABPORTAL.rglob("*.py")):
        relative = path.relative_to(LABPORTAL).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree):
            if _names_an_app(module) and (relative, module) not in ALLOWED:
                found.append(f"labportal/{relative}:{lineno} imports {module}")
    assert found == []


def test_import_direction_scan_sees_a_function_local_import():
    tree = ast.parse("def f():\n    from review.services import round_close_early\n")
    assert [module for _, module in _imported_modules(tree)] == ["review.services"]
