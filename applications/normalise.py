"""Input the way Japanese users type it: full-width digits and letters, hiragana for フリガナ,
「ー」 or 「－」 for a hyphen, 「12,000,000円」 for an amount. Each function takes the raw string
and returns what is stored; validation of the result is the form's business."""

import re
import unicodedata

import jaconv

_DASHES = re.compile("[‐‑‒–—―−ーｰ－]")
_SPACES = re.compile(r"\s+")


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def phone(value: str) -> str:
    """「０１１ー２１１ー２１１１」 → 「011-211-2111」; brackets around an area code become hyphens."""
    value = _DASHES.sub("-", unicodedata.normalize("NFKC", value or "")).strip()
    value = re.sub(r"^\((\d+)\)", r"\1-", value)
    value = re.sub(r"(\d)\((\d+)\)", r"\1-\2-", value)
    return re.sub(r"\s+", "", value)


def kana(value: str) -> str:
    """Half-width kana and hiragana to full-width katakana; spaces collapsed to one."""
    value = jaconv.hira2kata(unicodedata.normalize("NFKC", value or ""))
    return _SPACES.sub(" ", value).strip()


def amount(value: str) -> str:
    """「１２，０００，０００円」 → 「12000000」 (other text is left for the form to refuse)."""
    value = nfkc(value).replace(",", "").replace("円", "").replace(" ", "")
    return value


def year(value: str) -> str:
    """「２０２８年度」 → 「2028」."""
    return nfkc(value).removesuffix("年度").removesuffix("年").strip()


def email(value: str) -> str:
    return nfkc(value).lower()


KATAKANA = re.compile(r"^[\u30A1-\u30FA\u30FC\u30FB ]+$")
PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
