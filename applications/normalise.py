"""Input the way Japanese users type it: full-width digits and letters, hiragana for フリガナ,
「ー」 or 「－」 for a hyphen, 「12,000,000円」 for an amount. Each function takes the raw string
and returns what is stored; validation of the result is the form's business."""

import re
import unicodedata

import jaconv

_DASHES = re.compile("[‐‑‒–—―−ーｰ－]")
_SPACES = re.compile(r"\s+")


# What copy-and-paste brings along that nobody can see: C0 and C1 control characters (NUL cannot
# even be stored by PostgreSQL), the byte-order mark, the bidirectional overrides that make a text
# display in another order than it is stored, and halves of surrogate pairs. Word's manual line
# break (vertical tab) and Unicode's line separators are line breaks; tab, CR and LF stay.
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(value: str) -> str:
    r"""「申請\x00書\u202e」 → 「申請書」: every character one can see is kept, as typed."""
    return _INVISIBLE.sub("", value.translate(_LINE_BREAKS))


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
