"""The programme's spelling is 「IoT」 (half-width, lower-case o) everywhere a person reads it: pages,
mails, code that writes messages, the seed data and the register the data migrations load."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from labportal.models import Lab, Programme, SelectionRound
from review.models import CriteriaSet, Criterion

# I, o, T in any width or case, except the one right spelling; identifiers such as IOT_ROUNDS or
# code="iot" are not words a person reads.
WRONG = re.compile(r"(?<![A-Za-z_])(?!IoT)[IiＩｉ][OoＯｏ][TtＴｔ](?![A-Za-z_])")
NOT_WORDS = re.compile(r"""["']iot["']|\biot(?=（)|\biot[_.:/-]|[_-]iot\b|\?programme=iot|\biot\b(?=\s*[=)\]}|])""")
SOURCES = ("templates", "static/js", "labportal", "applications", "review", "transition")


def _misspelt(text: str) -> list[str]:
    return [m.group(0) for m in WRONG.finditer(NOT_WORDS.sub("", text))]


def test_iot_spelling_in_templates_mails_code_and_seed_data():
    base, found = Path(settings.BASE_DIR), []
    for folder in SOURCES:
        for path in (base / folder).rglob("*"):
            if path.suffix in {".html", ".txt", ".py", ".js", ".svg", ".md"} and "migrations" not in path.parts:
                found += [f"{path.relative_to(base)}:{n}: {line.strip()}"
                          for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                          if _misspelt(line)]
    assert found == []


@pytest.mark.django_db
def test_iot_spelling_in_the_register():
    texts = [*Programme.objects.values_list("name", flat=True), *Lab.objects.values_list("name", flat=True),
             *[str(r) for r in SelectionRound.objects.select_related("programme")],
             *CriteriaSet.objects.values_list("name", flat=True), *Criterion.objects.values_list("name", flat=True)]
    assert [text for text in texts if _misspelt(text)] == []


@pytest.mark.parametrize("text", ["ＩｏＴ推進ラボ", "IOT推進ラボ", "Iot推進ラボ", "iot推進ラボ", "ＩＯＴ"])
def test_iot_spelling_check_catches_each_variant(text):
    assert _misspelt(text) != []
