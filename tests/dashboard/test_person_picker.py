"""The desk's side of one identity per person: the tagging picker's type-ahead, the warning
before creating a person close to another, seniors resolving possible matches on the review
page, adding suggested romanisations, the merge page and the admin's undo."""

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent, NameSuggestion, Person, PersonMerge
from dashboard.persons import depict_names
from teamwork.policy import covering_policies
from tests.factories import PersonFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def lookup(client, text: str) -> str:
    response = client.get(reverse("dashboard:person_lookup"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def test_type_ahead_offers_names_aliases_and_romanisations(client, moderator):
    dami = PersonFactory(name="김다미", aliases=["金多美"], protected=True)
    PersonFactory(name="Bo Example")
    client.force_login(moderator)
    by_alias = lookup(client, "金多")
    assert f'data-person-id="{dami.pk}"' in by_alias and "Bo Example" not in by_alias
    assert 'role="option"' in by_alias
    # No alias "Kim Da-mi" yet: offered as a romanisation, never taken as the same person.
    by_roman = lookup(client, "Kim Da-mi")
    assert f'data-person-id="{dami.pk}"' in by_roman and "matches by romanisation" in by_roman
    assert 'id="person-option-new"' in by_roman and "Close to 김다미" in by_roman
    exact = lookup(client, "김 다미")
    assert 'id="person-option-new"' not in exact  # that spelling is hers


def test_type_ahead_needs_a_moderator(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("dashboard:person_lookup"), {"q": "kim"}).status_code == 403


def _review(client, moderator, clip) -> None:
    client.force_login(moderator)
    assert client.get(reverse("dashboard:clip", args=[clip.public_id])).status_code == 200
    # Looking claims nothing: tagging needs the claim, which Start review takes.
    assert client.post(reverse("dashboard:start", args=[clip.public_id])).status_code == 302


def test_picking_a_person_tags_exactly_them(client, moderator):
    dami = PersonFactory(name="김다미")
    clip = ScoredClipFactory(reports=0)
    _review(client, moderator, clip)
    url = reverse("dashboard:person_add", args=[clip.public_id])
    assert client.post(url, {"name": "anything typed", "person_id": dami.pk}).status_code == 302
    assert list(clip.persons.all()) == [dami]
    assert not Person.objects.filter(name="anything typed").exists()


def test_creating_a_person_close_to_another_warns_first(client, moderator):
    PersonFactory(name="Kim Da-mi")
    clip = ScoredClipFactory(reports=0)
    _review(client, moderator, clip)
    url = reverse("dashboard:person_add", args=[clip.public_id])
    warned = client.post(url, {"name": "Kim Damie"}, HTTP_HX_REQUEST="true")
    assert warned.status_code == 409
    html = warned.content.decode()
    assert "Kim Damie is close to Kim Da-mi" in html and 'name="confirm_new"' in html
    assert not Person.objects.filter(name="Kim Damie").exists()
    confirmed = client.post(url, {"name": "Kim Damie", "confirm_new": "1"}, HTTP_HX_REQUEST="true")
    assert confirmed.status_code == 200
    assert list(clip.persons.values_list("name", flat=True)) == ["Kim Damie"]


def test_a_senior_links_or_rejects_a_possible_match_on_the_review_page(client, moderator, senior):
    dami = PersonFactory(name="김다미", protected=True)
    clip = ScoredClipFactory(reports=0)
    depict_names(clip, ["김다밍"], source="report")
    suggestion = NameSuggestion.objects.get(clip=clip)
    _review(client, moderator, clip)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "“김다밍” may be 김다미" in page and "Same person: link" not in page
    reject = reverse("dashboard:suggestion_resolve", args=[clip.public_id, suggestion.pk, "reject"])
    client.post(reject)  # a moderator may not lift it
    suggestion.refresh_from_db()
    assert suggestion.state == "pending"

    client.force_login(senior)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "Same person: link" in page
    link = reverse("dashboard:suggestion_resolve", args=[clip.public_id, suggestion.pk, "link"])
    assert client.post(link).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == "linked"
    assert list(clip.persons.all()) == [dami]
    assert covering_policies(clip, "approve") == ["Protected person: remove or approve"]
    bad = reverse("dashboard:suggestion_resolve", args=[clip.public_id, suggestion.pk, "maybe"])
    assert client.post(bad).status_code == 404


def test_a_senior_adds_a_suggested_romanisation(client, senior, moderator):
    dami = PersonFactory(name="김다미")
    client.force_login(moderator)
    page = client.get(reverse("dashboard:person", args=[dami.pk])).content.decode()
    assert "Add alias" not in page
    client.force_login(senior)
    page = client.get(reverse("dashboard:person", args=[dami.pk])).content.decode()
    assert "Add alias Kim Da-mi" in page and "Add alias Gim Da-mi" in page
    client.post(reverse("dashboard:person_alias_add", args=[dami.pk]), {"alias": "Kim Da-mi"})
    dami.refresh_from_db()
    assert dami.aliases == ["Kim Da-mi"]
    page = client.get(reverse("dashboard:person", args=[dami.pk])).content.decode()
    assert 'Kim Da-mi <span class="tag">Latin (romanised)</span>' in page
    assert AuditEvent.objects.filter(action="person.alias_added", actor=senior).exists()


def test_merge_page_previews_then_merges(client, senior, moderator):
    target = PersonFactory(name="최우식")
    source = PersonFactory(name="Choi Woo-shik", protected=True)
    clip = ScoredClipFactory(persons=[source], reports=0)
    url = reverse("dashboard:person_merge", args=[target.pk])
    client.force_login(moderator)
    assert client.get(url).status_code == 403
    client.force_login(senior)
    preview = client.get(url, {"other": "choi woo shik"}).content.decode()
    assert "1 clip moves." in preview and "New aliases: Choi Woo-shik" in preview
    assert "so is this one from now on" in preview
    assert not PersonMerge.objects.exists()
    response = client.post(url, {"other": source.pk, "confirm": "1"})
    assert response.status_code == 302
    assert list(clip.persons.all()) == [target]
    target.refresh_from_db()
    assert target.protected
    assert client.get(url, {"other": "nobody at all"}).status_code == 400


def test_admin_undoes_a_merge(client, senior, admin_user):
    target, source = PersonFactory(name="김다미"), PersonFactory(name="Kim Da-mi")
    clip = ScoredClipFactory(persons=[source], reports=0)
    client.force_login(senior)
    client.post(
        reverse("dashboard:person_merge", args=[target.pk]), {"other": source.pk, "confirm": "1"}
    )
    merge = PersonMerge.objects.get()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:dashboard_personmerge_changelist"),
        {"action": "undo_merges", "_selected_action": [merge.pk]},
    )
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_by == admin_user
    assert list(clip.persons.all()) == [source]


def test_new_pages_are_korean(client, senior):
    dami = PersonFactory(name="김다미", aliases=["金多美"])
    other = PersonFactory(name="김 다미 ")
    client.force_login(senior)
    page = client.get(reverse("dashboard:person", args=[dami.pk]), **KO).content.decode()
    assert "별칭 추가" in page and "한자" in page and "다른 인물을 이 인물로 병합" in page
    merge = client.get(
        reverse("dashboard:person_merge", args=[dami.pk]), {"other": other.pk}, **KO
    ).content.decode()
    assert "병합" in merge and "클립 0개가 옮겨집니다." in merge


def test_admin_refuses_a_person_with_another_persons_spelling(client, admin_user):
    dami = PersonFactory(name="김다미", aliases=["Kim Da-mi"])
    client.force_login(admin_user)
    inline = {"names-TOTAL_FORMS": "0", "names-INITIAL_FORMS": "0"}  # the read-only spellings
    url = reverse("admin:dashboard_person_add")
    refused = client.post(url, {"name": "KIM DAMI", "aliases": "[]", "notes": "", **inline})
    assert refused.status_code == 200  # the form again, with the error
    assert "already a spelling of 김다미" in refused.content.decode()
    assert Person.objects.count() == 1
    change = reverse("admin:dashboard_person_change", args=[dami.pk])
    body = {"name": "김다미", "aliases": '["Kim Da-mi", "Gim Da-mi"]', "notes": "", **inline}
    assert client.post(change, body).status_code == 302
    dami.refresh_from_db()
    assert dami.aliases == ["Kim Da-mi", "Gim Da-mi"]
