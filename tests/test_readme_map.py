"""The README's map of where things are ("What is where") matches the tree: every path it names
exists, and every top-level folder and every module or package of an app is named in it (issue 18).
Also every relative link of the README and of docs/ leads to a file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("labportal", "applications", "review", "transition")
# Top-level folders that are made by running the portal or its tools, never part of the project.
NOT_PROJECT = {"var", "media", "staticfiles", "node_modules", "test-results", "__pycache__"}


def _readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _map_section():
    text = _readme()
    start = text.index("\n## What is where\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def _named_paths():
    """Every `code` span of the map that names a path (it has a slash), without its trailing slash."""
    spans = re.findall(r"`([^`\s<>]+)`", _map_section())
    return {span.rstrip("/") for span in spans if "/" in span and not span.startswith("/")}


def _top_level_folders():
    return sorted(
        entry.name for entry in ROOT.iterdir()
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in NOT_PROJECT
        and not entry.name.endswith(".egg-info"))


def _app_modules():
    """Each app's modules (non-migration .py directly in it) and packages, as the map names them."""
    found = []
    for app in APPS:
        for entry in sorted((ROOT / app).iterdir()):
            if entry.is_file() and entry.suffix == ".py" and entry.name != "__init__.py":
                found.append(f"{app}/{entry.name}")
            elif entry.is_dir() and entry.name != "migrations" and (entry / "__init__.py").exists():
                found.append(f"{app}/{entry.name}")
    return found


def test_readme_map_names_only_paths_that_exist():
    missing = sorted(path for path in _named_paths() if not (ROOT / path).exists())
    assert not missing, f"README の「What is where」が存在しないパスを挙げています: {missing}"


def test_readme_map_names_every_top_level_folder():
    named = _named_paths()
    unnamed = [folder for folder in _top_level_folders() if folder not in named]
    assert not unnamed, f"README の「What is where」にないトップレベルのフォルダー: {unnamed}"


def test_readme_map_names_every_module_of_each_app():
    named = _named_paths()
    unnamed = [module for module in _app_modules() if module not in named]
    assert not unnamed, f"README の「What is where」にないモジュール・パッケージ: {unnamed}"


def test_readme_and_docs_links_lead_to_existing_files():
    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (doc.parent / target.split("#")[0]).exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert not broken, f"リンク先のファイルがありません: {broken}"
