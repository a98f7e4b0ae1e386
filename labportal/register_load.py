"""Loads every prefecture and municipality of Japan (labportal/data/municipalities.csv, see the
README beside it) into the register's regions, for the data migration that brings them in.

Only adds and completes: a region the register already has (the IoT labs' 105 regions, the members
of a 地域連携) keeps its row and gets its 全国地方公共団体コード and reading where they were blank;
the others are created. Nothing is renamed or deleted, so whatever an application chose stays.
"""

import csv
from pathlib import Path

MUNICIPALITIES_CSV = Path(__file__).resolve().parent / "data" / "municipalities.csv"


def municipality_rows() -> list[dict]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def load_municipalities(Region, Prefecture) -> int:  # noqa: N803 - historical models from a migration
    """Adds the missing regions and completes the existing ones; returns how many were created."""
    prefectures = {p.code: p for p in Prefecture.objects.all()}
    by_code = {r.local_government_code: r for r in Region.objects.exclude(local_government_code="")}
    by_name = {(r.prefecture_id, r.kind, r.name): r for r in Region.objects.all()}
    missing = []
    for row in municipality_rows():
        prefecture = prefectures[row["prefecture_code"]]
        region = by_code.get(row["code"]) or by_name.get((prefecture.pk, row["kind"], row["name"]))
        if region is None:
            missing.append(Region(kind=row["kind"], name=row["name"], name_kana=row["kana"], prefecture=prefecture,
                                  local_government_code=row["code"]))
            continue
        changed = []
        if not region.local_government_code and row["code"] not in by_code:
            region.local_government_code = row["code"]
            changed.append("local_government_code")
        if not region.name_kana and region.name == row["name"]:
            region.name_kana = row["kana"]
            changed.append("name_kana")
        if changed:
            region.save(update_fields=changed)
    Region.objects.bulk_create(missing, batch_size=500)
    return len(missing)
