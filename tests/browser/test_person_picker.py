"""The tagging picker in a real browser: typing a romanised alias offers the person whose
Hangul name it is, the keyboard alone picks them (arrows, Enter), and the tag is that person
— no new Person for the spelling typed. The open list is kept in test-artifacts/person-picker.png
to look at."""

import pytest
from playwright.sync_api import expect

from dashboard.models import Person
from tests.browser.conftest import ARTIFACTS, log_in
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_type_ahead_and_keyboard_pick_a_person(new_page, moderator, make_review_clip, h264_clips):
    dami = PersonFactory(name="김다미", aliases=["Kim Da-mi"], protected=True)
    clip = make_review_clip(h264_clips[0], 0.4)
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    page.keyboard.press("s")  # Start review: tagging persons needs the claim
    expect(page.get_by_text("Held by you until")).to_be_visible()

    field = page.get_by_role("combobox", name="Person depicted")
    field.click()
    field.press_sequentially("kim da")
    options = page.get_by_role("listbox", name="Matching persons")
    expect(options).to_be_visible()
    first = options.get_by_role("option").first
    expect(first).to_contain_text("김다미")
    expect(first).to_contain_text("protected")
    expect(field).to_have_attribute("aria-expanded", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "person-picker.png"), caret="initial")

    field.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    field.press("Enter")  # picks the option, does not submit yet
    expect(options).to_be_hidden()
    expect(field).to_have_value("김다미")
    field.press("Enter")  # submits the tag

    persons = page.locator("#persons ul.persons")
    expect(persons).to_contain_text("김다미")
    assert list(clip.persons.order_by("name").values_list("name", flat=True)) == [
        "Ana Example",
        "김다미",
    ]
    assert clip.persons.filter(pk=dami.pk).exists()
    assert not Person.objects.filter(name="kim da").exists()
    assert new_page.problems == []
