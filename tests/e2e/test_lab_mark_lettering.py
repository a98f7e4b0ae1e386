"""The lab mark (review/assets/dx-lab-mark.svg) as Chromium draws it with the Japanese fonts
installed: every line of its lettering lies inside the ring, clear of it."""

import math
from pathlib import Path

import pytest

from review.views import LAB_MARK

pytestmark = pytest.mark.e2e

CLEARANCE = 8  # px between the lettering and the inner edge of the ring, at the mark's own size


def test_lab_mark_lettering_lies_inside_its_ring(page):
    page.set_content(f'<!doctype html><html lang="ja"><body style="margin:0">{Path(LAB_MARK).read_text()}</body></html>')
    ring = page.locator("svg > circle")
    cx, cy = float(ring.get_attribute("cx")), float(ring.get_attribute("cy"))
    inner = float(ring.get_attribute("r")) - float(ring.get_attribute("stroke-width")) / 2
    texts = page.locator("svg > text")
    outside = []
    for i in range(texts.count()):
        box = texts.nth(i).bounding_box()
        corners = [(box["x"], box["y"]), (box["x"] + box["width"], box["y"]),
                   (box["x"], box["y"] + box["height"]), (box["x"] + box["width"], box["y"] + box["height"])]
        reach = max(math.dist((cx, cy), corner) for corner in corners)
        if reach > inner - CLEARANCE:
            outside.append((texts.nth(i).inner_text(), round(reach), inner - CLEARANCE))
    assert texts.count() == 2 and outside == []
