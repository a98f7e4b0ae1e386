"""Input the way Japanese users type it: full-width digits and letters, hiragana for フリガナ,
「ー」 or 「－」 for a hyphen, 「12,000,000円」 for an amount. Each function takes the raw string
and returns what is stored; validation of the result is the form's business."""

import re
import unicodedata

import jaconv

_DASHES = re.compile("[‐‑‒–—―−ーｰ－]")
_SPACES = re.compile(r"\s+")


# What copy-and-paste brings along that nobody can see: C0 and C1 control characters (NUL cannot
# even be stored by PostgreSQL), the byte-order mark, the bidirectional overrides and marks that make
# a text display in another order than it is stored, halves of surrogate pairs, and the invisible
# format characters that Word, web pages and PDFs carry: the soft hyphen (U+00AD), the zero-width
# space and non-joiner (U+200B, U+200C), the word joiner and invisible operators (U+2060–U+2064),
# the Mongolian vowel separator (U+180E). The zero-width joiner (U+200D) stays where it joins two
# emoji into one (👨‍👩‍👧) and goes elsewhere. Word's manual line break (vertical tab) and Unicode's
# line separators are line breaks; tab, CR and LF stay (a one-line field refuses them: single_line).
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b\u200c\u200e\u200f\u2060-\u2064"
                        "\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_ZWJ = "\u200d"
# What may stand between an emoji and a ZWJ: variation selectors, skin tones, tag characters.
_EMOJI_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]+$")


def _pictographic(character: str) -> bool:
    return ord(character) >= 0x1F000 or unicodedata.category(character) == "So"


def _joined_emoji_only(value: str) -> str:
    """Drops each U+200D that does not join two emoji."""
    kept = []
    for index, character in enumerate(value):
        if character == _ZWJ:
            before = _EMOJI_MODIFIERS.sub("", "".join(kept[-8:]))
            after = value[index + 1:index + 2]
            if not (before and after and _pictographic(before[-1]) and _pictographic(after)):
                continue
        kept.append(character)
    return "".join(kept)


def visible_and_removed(value: str) -> tuple[str, bool]:
    """(the text without the characters nobody can see, whether any were removed)."""
    broken = value.translate(_LINE_BREAKS)
    cleaned = _INVISIBLE.sub("", broken)
    if _ZWJ in cleaned:
        cleaned = _joined_emoji_only(cleaned)
    return cleaned, cleaned != broken


def visible(value: str) -> str:
    r"""「申請\x00書\u202e」 → 「申請書」, 「札幌\u200b市」 → 「札幌市」: every character one can see
    is kept, as typed."""
    return visible_and_removed(value)[0]


def has_line_break_or_control(value: str) -> bool:
    """A line break, tab or other control character: what a one-line field (a name, a title:
    anything that may become a mail's subject or header) refuses."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value)


_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str) -> str:
    """「札幌市\r\nBcc: x」 → 「札幌市 Bcc: x」: line breaks and control characters as one space, for
    a mail's subject and headers (the mail layer's own defence, behind the forms' single_line)."""
    return _BREAKS_AND_CONTROLS.sub(" ", value or "").strip()


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def phone(value: str) -> str:
    """「０００ー００００ー００００」 → 「000-0000-0000」; brackets around an area code become hyphens."""
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
