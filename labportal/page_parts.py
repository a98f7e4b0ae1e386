"""Parts of labportal's own pages that an app above it provides: review's published criteria on
the top page and 地域DX推進ラボとは, transition's table and policy on 移行について. Each app
registers its part in its AppConfig.ready (review/apps.py, transition/apps.py), so labportal
names none of the apps and its imports point down only (tests/labportal/test_import_direction.py)."""

from collections.abc import Callable

HOME = "home"
ABOUT = "about"
TRANSITION = "transition"

_PARTS: dict[str, list[Callable[[], dict]]] = {}


def register(page: str, part: Callable[[], dict]) -> None:
    """`part()` returns the context entries it adds to `page` (one of the names above)."""
    if part not in _PARTS.setdefault(page, []):
        _PARTS[page].append(part)


def context(page: str) -> dict:
    entries: dict = {}
    for part in _PARTS.get(page, ()):
        entries.update(part())
    return entries
