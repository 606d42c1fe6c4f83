"""Names compared across scripts and spellings (dashboard.names, pure Python, no database):
the normalised key, the script, the Revised Romanization of Hangul names, and closeness."""

import pytest

from dashboard.names import (
    NameMatcher,
    closeness,
    detect_script,
    normalise_name,
    romanize_hangul,
    romanized_keys,
    stored_loose,
    suggested_romanizations,
)


@pytest.mark.parametrize("spelling", ["김다미", "김 다미", "김·다미", "김-다미", " 김다미 "])
def test_hangul_spellings_share_one_key(spelling):
    assert normalise_name(spelling) == "김다미"


@pytest.mark.parametrize(
    "spelling", ["Kim Da-mi", "kim dami", "KIM DAMI", "Kim・Dami", "Ｋｉｍ Ｄａｍｉ"]
)
def test_latin_spellings_share_one_key(spelling):
    # NFKC folds the full-width letters; case-folding and the separators do the rest.
    assert normalise_name(spelling) == "kimdami"


def test_middle_dots_and_other_separators_are_dropped():
    assert normalise_name("Jean‧Luc·Picard・‐ ") == "jeanlucpicard"
    assert normalise_name("O’Brien") == normalise_name("obrien")


@pytest.mark.parametrize(
    ("name", "script"),
    [
        ("김다미", "hangul"),
        ("Kim Da-mi", "latin"),
        ("金多美", "hanja"),
        ("Ким", "other"),
        ("", "other"),
    ],
)
def test_script_of_a_name(name, script):
    assert detect_script(name) == script


@pytest.mark.parametrize(
    ("hangul", "rr"),
    [
        # RR writes 김 as "Gim" (ㄱ is g before a vowel); "Kim" is the everyday spelling.
        ("김다미", "Gim Da-mi"),
        ("최우식", "Choe U-sik"),
        ("이지은", "I Ji-eun"),
        ("박서준", "Bak Seo-jun"),
        ("정호연", "Jeong Ho-yeon"),
        ("송강호", "Song Gang-ho"),
        ("한효주", "Han Hyo-ju"),
        ("윤여정", "Yun Yeo-jeong"),
        ("남궁민", "Namgung Min"),  # a two-syllable surname
        ("김 다미", "Gim Da-mi"),
        # Names are romanised syllable by syllable: no assimilation (신라 stays "Sin-ra"
        # as a given name would; the place name, Silla, is not a person's name).
        ("권신라", "Gwon Sin-ra"),
    ],
)
def test_revised_romanization_of_names(hangul, rr):
    assert romanize_hangul(hangul) == rr


def test_finals_and_double_consonants():
    assert romanize_hangul("꽃") == "Kkot"  # ㄲ initial, ㅊ final as t
    assert romanize_hangul("닭") == "Dak"  # ㄺ final as k
    # Text too long to be a name is romanised as a word: ㄹㄹ is "ll" there.
    assert romanize_hangul("빨리빨리가자") == "Ppallippalligaja"


def test_romanized_keys_list_rr_then_the_surnames_everyday_spellings():
    assert romanized_keys("김다미") == ["gimdami", "kimdami"]
    assert romanized_keys("이지은")[:2] == ["ijieun", "leejieun"]
    assert "parkseojun" in romanized_keys("박서준")
    assert "choiusik" in romanized_keys("최우식")
    assert romanized_keys("Kim Da-mi") == []


def test_suggested_romanizations_are_names_to_offer():
    assert suggested_romanizations("김다미") == ["Gim Da-mi", "Kim Da-mi"]
    assert suggested_romanizations("金多美") == []


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("Kim Da-mi", "김다미", "romanization"),
        ("Choi Woo-shik", "최우식", "romanization"),
        ("Lee Ji-eun", "이지은", "romanization"),
        ("Park Seo-joon", "박서준", "romanization"),
        ("Kim Damie", "Kim Da-mi", "spelling"),
        ("김다밍", "김다미", "spelling"),  # one jamo apart
        ("Kim Da-mi", "kim dami", ""),  # the same key: not "close", the same person
        ("Ana", "Anb", ""),  # too short for a typo to mean the same name
        ("Bo Example", "Ana Example", ""),
        ("박보검", "김다미", ""),
    ],
)
def test_closeness(a, b, reason):
    assert closeness(normalise_name(a), a, normalise_name(b), b) == reason


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kim Da-mi", "김다미"),
        ("김다미", "Kim Da-mi"),
        ("Choi Woo-shik", "최우식"),
        ("최우식", "Choi Woo-shik"),
        ("Lee Ji-eun", "이지은"),
        ("이지은", "Lee Ji-eun"),
        ("Kim Damie", "Kim Da-mi"),
        ("Ana", "Anb"),
        ("박보검", "김다미"),
    ],
)
def test_the_matcher_agrees_with_closeness_against_indexed_forms(a, b):
    expected = closeness(normalise_name(a), a, normalise_name(b), b)
    assert NameMatcher(a).reason(normalise_name(b), stored_loose(b)) == expected
