"""How a person's name is compared: normalised keys, scripts, Hangul romanisation, closeness.

Pure Python, no Django: the resolver (`dashboard.persons`), the migration that normalises
existing rows and the tests all use these functions.

- `normalise_name` is the exact-match key: Unicode NFKC, case-folded, with spaces, hyphens,
  dots, apostrophes and middle dots (· ・ ‧ ･ ‐ – —) removed, so 김다미 / 김 다미 and
  Kim Da-mi / kim dami / KIM DAMI meet. Two spellings with one key are one person.
- `romanize_hangul` is the Revised Romanization of Korean (2000) applied syllable by syllable,
  as the rule for personal names asks (its article 4: sound changes between the syllables of a
  given name are not transcribed), so no assimilation rule is applied — 김다미 is "Gim Da-mi",
  최우식 "Choe U-sik". Text that is not a name is romanised word by word, where a ㄹ after a
  final ㄹ is spelled "l" (ㄹㄹ is "ll"; spelling, not assimilation). Hanja is not
  romanised (that needs a reading dictionary): a Hanja alias links by exact key only.
  No maintained package fits: the romanisers on PyPI apply the pronunciation rules, which RR
  leaves out for personal names, and this is forty lines.
- The everyday spellings differ from RR ("Kim", "Lee", "Park", "Choi Woo-shik"): those are
  not computed but *suggested* — `romanized_keys` lists the RR key plus the common
  romanisations of the surname (SURNAME_ROMANIZATIONS), and `loose_key` folds the usual
  spelling habits (oo/u, sh/s, k/g, ...) so "Choi Woo-shik" and 최우식 are found close. A
  suggestion is never a merge: a moderator links or rejects it.
"""

import re
import unicodedata
from collections.abc import Iterable

# Removed before comparing: separators people put inside names in any script.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_.,'’‘`·・‧･•∙⋅ㆍ]+")

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
INITIALS = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
    "p", "h",
]  # fmt: skip
MEDIALS = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
    "we", "wi", "yu", "eu", "ui", "i",
]  # fmt: skip
FINALS = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
    "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
]  # fmt: skip
_RIEUL_INITIAL, _RIEUL_FINAL = 5, 8

# Two-syllable surnames: the given name starts after them.
COMPOUND_SURNAMES = {"남궁", "황보", "제갈", "사공", "선우", "서문", "독고", "동방", "을지"}
# How the common surnames are spelled in practice, besides their RR form: suggestions only.
SURNAME_ROMANIZATIONS: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim"),
    "이": ("lee", "yi", "rhee", "i"),
    "리": ("lee", "ri"),
    "박": ("park", "pak", "bak"),
    "최": ("choi", "choe"),
    "정": ("jung", "jeong", "chung"),
    "강": ("kang", "gang"),
    "조": ("cho", "jo"),
    "윤": ("yoon", "yun"),
    "장": ("jang", "chang"),
    "임": ("lim", "im", "yim"),
    "한": ("han",),
    "오": ("oh", "o"),
    "서": ("seo", "suh"),
    "신": ("shin", "sin"),
    "권": ("kwon", "gwon"),
    "황": ("hwang",),
    "안": ("ahn", "an"),
    "송": ("song",),
    "류": ("ryu", "yoo", "yu"),
    "유": ("yoo", "yu"),
    "전": ("jeon", "jun", "chun"),
    "홍": ("hong",),
    "고": ("ko", "go"),
    "문": ("moon", "mun"),
    "양": ("yang",),
    "손": ("son", "sohn"),
    "배": ("bae", "pae"),
    "백": ("baek", "paik", "baik"),
    "허": ("heo", "huh", "hur"),
    "남": ("nam",),
    "심": ("shim", "sim"),
    "노": ("noh", "roh", "no"),
    "하": ("ha",),
    "곽": ("kwak", "gwak"),
    "성": ("sung", "seong"),
    "차": ("cha",),
    "주": ("joo", "ju"),
    "우": ("woo", "u"),
    "구": ("koo", "gu"),
    "변": ("byun", "byeon"),
    "엄": ("um", "eom"),
}

# Everyday spelling habits folded together for the loose comparison (suggestions only),
# longest first: McCune-Reischauer and English-style spellings against RR.
_LOOSE_FOLDS = (
    ("shi", "si"),
    ("woo", "u"),
    ("oo", "u"),
    ("wu", "u"),
    ("ee", "i"),
    ("oi", "oe"),
    ("sh", "s"),
    ("eo", "o"),
    ("eu", "u"),
    ("ae", "e"),
    ("kk", "k"),
    ("tt", "t"),
    ("pp", "p"),
    ("ss", "s"),
    ("jj", "j"),
    ("ch", "j"),
    ("g", "k"),
    ("d", "t"),
    ("b", "p"),
    ("r", "l"),
    ("h", ""),
    ("y", ""),
    ("w", ""),
)


class Script:
    """The writing system of a name (stored as text: `dashboard.constants.NameScript`)."""

    HANGUL = "hangul"
    LATIN = "latin"
    HANJA = "hanja"
    OTHER = "other"


def normalise_name(name: str) -> str:
    """The exact-match key of a name: NFKC, case-folded, separators and spaces removed."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return unicodedata.normalize("NFKC", _SEPARATORS.sub("", folded))


def detect_script(name: str) -> str:
    """Hangul, Latin, Hanja (CJK ideographs) or other: the script most of its letters use."""
    counts = {Script.HANGUL: 0, Script.LATIN: 0, Script.HANJA: 0, Script.OTHER: 0}
    for char in unicodedata.normalize("NFKC", name):
        if not char.isalpha():
            continue
        code = ord(char)
        if (
            HANGUL_FIRST <= code <= HANGUL_LAST
            or 0x1100 <= code <= 0x11FF
            or 0x3130 <= code <= 0x318F
        ):
            counts[Script.HANGUL] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            counts[Script.HANJA] += 1
        elif "LATIN" in unicodedata.name(char, ""):
            counts[Script.LATIN] += 1
        else:
            counts[Script.OTHER] += 1
    best = max(counts, key=lambda script: counts[script])
    return best if counts[best] else Script.OTHER


def _syllable_parts(char: str) -> tuple[int, int, int] | None:
    code = ord(char) - HANGUL_FIRST
    if not 0 <= code <= HANGUL_LAST - HANGUL_FIRST:
        return None
    return code // 588, (code % 588) // 28, code % 28


def _romanize_word(word: str) -> str:
    """One run of Hangul syllables, syllable by syllable (module doc)."""
    out: list[str] = []
    previous_final = 0
    for char in word:
        parts = _syllable_parts(char)
        if parts is None:
            out.append(char)
            previous_final = 0
            continue
        initial, medial, final = parts
        lead = INITIALS[initial]
        if initial == _RIEUL_INITIAL and previous_final == _RIEUL_FINAL:
            lead = "l"
        out.append(lead + MEDIALS[medial] + FINALS[final])
        previous_final = final
    return "".join(out)


def _syllables(text: str) -> list[str]:
    return [c for c in text if _syllable_parts(c) is not None]


def _split_name(hangul: str) -> tuple[str, str] | None:
    """Surname and given name of a Korean name written in Hangul (None when not one).

    Written with a space ("김 다미"), the parts are as written; else the surname is the first
    syllable, or the first two for a compound surname (남궁민 is Namgung Min).
    """
    words = hangul.split()
    if len(words) == 2 and all(_syllables(w) == list(w) for w in words):
        return words[0], words[1]
    syllables = _syllables(hangul)
    if len(syllables) != len("".join(words)) or not 2 <= len(syllables) <= 5:
        return None
    joined = "".join(syllables)
    if len(joined) >= 3 and joined[:2] in COMPOUND_SURNAMES:
        return joined[:2], joined[2:]
    return joined[0], joined[1:]


def romanize_hangul(name: str) -> str:
    """The Revised Romanization of a Hangul name, as a name is written: "Gim Da-mi".

    A Korean personal name becomes "Surname Given-name" (the given name's syllables joined by
    a hyphen, which RR allows for names); any other Hangul text is romanised word by word.
    Characters that are not Hangul syllables are kept as they are.
    """
    split = _split_name(name.strip())
    if split is None:
        return " ".join(_romanize_word(word).capitalize() for word in name.split())
    surname, given = split
    given_parts = [_romanize_word(syllable) for syllable in given]
    return f"{_romanize_word(surname).capitalize()} {'-'.join(given_parts).capitalize()}"


def romanized_keys(name: str) -> list[str]:
    """Normalised keys a Hangul name may be romanised to: RR first, then the surname's common
    spellings (SURNAME_ROMANIZATIONS) with the given name in RR. Empty for other scripts."""
    if detect_script(name) != Script.HANGUL:
        return []
    keys = [normalise_name(romanize_hangul(name))]
    split = _split_name(name.strip())
    if split is not None:
        surname, given = split
        given_key = normalise_name(_romanize_word(given))
        keys.extend(f"{spelling}{given_key}" for spelling in SURNAME_ROMANIZATIONS.get(surname, ()))
    return list(dict.fromkeys(keys))


def suggested_romanizations(name: str) -> list[str]:
    """Latin spellings worth offering as aliases of a Hangul name: "Gim Da-mi", "Kim Da-mi"."""
    if detect_script(name) != Script.HANGUL:
        return []
    official = romanize_hangul(name)
    split = _split_name(name.strip())
    if split is None:
        return [official]
    surname, _ = split
    given = official.split(" ", 1)[1]
    others = [f"{s.capitalize()} {given}" for s in SURNAME_ROMANIZATIONS.get(surname, ())]
    return list(dict.fromkeys([official, *others]))


def loose_key(key: str) -> str:
    """A normalised Latin key with everyday spelling habits folded (suggestions only)."""
    for before, after in _LOOSE_FOLDS:
        key = key.replace(before, after)
    return key


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def allowed_distance(key: str) -> int:
    """How many edits still make two keys close: none for short keys (a typo there is another
    name), one from four letters (Hangul counted in jamo), two from ten."""
    length = len(unicodedata.normalize("NFD", key))
    if length < 4:
        return 0
    return 1 if length < 10 else 2


def stored_loose(name: str) -> str:
    """The one folded form a name is indexed by (PersonName.loose): a Latin name's loose key,
    a Hangul name's RR romanisation folded; "" for other scripts."""
    script = detect_script(name)
    if script == Script.LATIN:
        return loose_key(normalise_name(name))
    if script == Script.HANGUL:
        return loose_key(romanized_keys(name)[0])
    return ""


def _rr_surname_prefixes() -> list[tuple[str, str]]:
    """(everyday spelling, RR spelling) of each listed surname, longest spelling first."""
    pairs = {
        (spelling, normalise_name(_romanize_word(surname)))
        for surname, spellings in SURNAME_ROMANIZATIONS.items()
        for spelling in spellings
    }
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_SURNAME_PREFIXES = _rr_surname_prefixes()


def search_forms(name: str) -> set[str]:
    """The folded forms to look up in PersonName.loose for `name`: a Hangul name's
    romanisations (RR and the surname's everyday spellings); a Latin name's loose key, and the
    same with an everyday surname spelled in RR ("Lee Ji-eun" -> "I Ji-eun")."""
    script = detect_script(name)
    if script == Script.HANGUL:
        return {loose_key(key) for key in romanized_keys(name)}
    if script != Script.LATIN:
        return set()
    key = normalise_name(name)
    forms = {loose_key(key)}
    forms.update(
        loose_key(rr + key[len(spelling) :])
        for spelling, rr in _SURNAME_PREFIXES
        if key.startswith(spelling) and len(key) > len(spelling)
    )
    return forms


def closeness(a_key: str, a_name: str, b_key: str, b_name: str) -> str:
    """Why two names are close but not the same key: "romanization" when a romanisation or
    everyday spelling of one meets the other, "spelling" when their keys differ by a few edits
    (counted over jamo for Hangul), "" when they are not close (or are equal)."""
    if not a_key or not b_key or a_key == b_key:
        return ""
    a_stored, b_stored = stored_loose(a_name or a_key), stored_loose(b_name or b_key)
    if (a_stored and a_stored in search_forms(b_name or b_key)) or (
        b_stored and b_stored in search_forms(a_name or a_key)
    ):
        return "romanization"
    a_nfd, b_nfd = unicodedata.normalize("NFD", a_key), unicodedata.normalize("NFD", b_key)
    limit = min(allowed_distance(a_key), allowed_distance(b_key))
    if limit and edit_distance(a_nfd, b_nfd, limit) <= limit:
        return "spelling"
    return ""


class NameMatcher:
    """`closeness` of one name against many stored spellings, its forms computed once: a
    stored spelling is given by its key and its indexed loose form (PersonName.loose)."""

    def __init__(self, name: str) -> None:
        self.key = normalise_name(name)
        self.forms = search_forms(name)
        self.nfd = unicodedata.normalize("NFD", self.key)
        self.limit = allowed_distance(self.key)

    def reason(self, key: str, loose: str) -> str:
        if not self.key or not key or key == self.key:
            return ""
        if loose and loose in self.forms:
            return "romanization"
        limit = min(self.limit, allowed_distance(key))
        other = unicodedata.normalize("NFD", key)
        if limit and edit_distance(self.nfd, other, limit) <= limit:
            return "spelling"
        return ""


def unique_keys(names: Iterable[str]) -> list[str]:
    """The distinct non-empty keys of `names`, in order."""
    return list(dict.fromkeys(k for k in (normalise_name(n) for n in names) if k))
