"""One identity per person (dashboard.identity): every spelling of a name or alias resolves to
one person, reports and the API use it, a spelling close to a protected person keeps the
two-person rule on until a senior links or rejects it, and a merge moves everything, audited,
and is undone by an admin."""

import pytest

from dashboard.constants import MatchState
from dashboard.identity import (
    IdentityError,
    add_alias,
    find_person,
    link_suggestion,
    merge_persons,
    reject_suggestion,
    resolve_person,
    suggested_aliases,
    undo_merge,
)
from dashboard.models import AuditEvent, Clip, Depiction, NameSuggestion, Person, PersonMerge
from dashboard.persons import has_depicted_protected_person
from dashboard.priority import PROTECTED_PERSON_BONUS, priority_breakdown, refresh_priority
from dashboard.search import clip_search
from provenance.models import BankEntry, HashBank
from retention.models import LegalHold
from teamwork.policy import covering_policies
from tests.factories import ClipFactory, PersonFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db
PROTECTED_POLICY = "Protected person: remove or approve"
SPELLINGS = ["김다미", "김 다미", "Kim Da-mi", "kim dami", "KIM DAMI"]


@pytest.fixture
def dami(senior) -> Person:
    """The actress, protected, with the romanisation her agency uses linked as an alias (the
    way the desk adds it: a suggested romanisation a senior accepts)."""
    person = PersonFactory(name="김다미", protected=True)
    assert "Kim Da-mi" in suggested_aliases(person)
    return add_alias(person.pk, senior, "Kim Da-mi")


def test_every_spelling_resolves_to_one_person(dami):
    assert {resolve_person(s).pk for s in SPELLINGS} == {dami.pk}
    assert Person.objects.count() == 1
    assert dami.name_key == "김다미" and dami.script == "hangul"
    assert [(row.name, row.script) for row in dami.alias_rows()] == [("Kim Da-mi", "latin")]


def test_a_romanisation_is_suggested_never_merged_silently():
    dami = PersonFactory(name="김다미")
    assert suggested_aliases(dami) == ["Gim Da-mi", "Kim Da-mi"]
    other = resolve_person("Kim Da-mi")  # no alias yet: someone else, until a senior says so
    assert other.pk != dami.pk
    assert find_person("kim dami") == other


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_protected_rule_applies_to_a_clip_reported_with_any_spelling(
    spelling, dami, api_client_for, moderator
):
    clip = ClipFactory(submitted_by=moderator)
    url = f"/api/v1/clips/{clip.public_id}/reports/"
    response = api_client_for(moderator).post(url, {"subjects": [spelling]}, format="json")
    assert response.status_code == 201, response.content
    assert list(clip.persons.all()) == [dami]
    assert Person.objects.count() == 1
    assert covering_policies(clip, "approve") == [PROTECTED_POLICY]


def test_a_near_miss_spelling_covers_the_clip_until_a_senior_rejects_it(
    dami, api_client_for, moderator, senior
):
    clip = ClipFactory(submitted_by=moderator)
    url = f"/api/v1/clips/{clip.public_id}/reports/"
    api_client_for(moderator).post(url, {"subjects": ["Kim Damie"]}, format="json")
    typo = Person.objects.get(name="Kim Damie")
    assert not typo.protected and list(clip.persons.all()) == [typo]
    suggestion = NameSuggestion.objects.get(clip=clip)
    assert (suggestion.candidate, suggestion.reason, suggestion.state) == (
        dami,
        "spelling",
        MatchState.PENDING,
    )
    assert has_depicted_protected_person(clip)
    assert covering_policies(clip, "remove") == [PROTECTED_POLICY]
    # The queue ranks it as a clip of a protected person too, until the suggestion goes.
    assert dict(priority_breakdown(clip))["Protected person depicted"] == PROTECTED_PERSON_BONUS
    clip.refresh_from_db()
    raised = clip.priority

    with pytest.raises(IdentityError) as refused:
        reject_suggestion(suggestion.pk, moderator)  # the proposer cannot lift it alone
    assert refused.value.code == "senior_only"
    reject_suggestion(suggestion.pk, senior)
    assert covering_policies(clip, "remove") == []
    clip.refresh_from_db()
    assert clip.priority == pytest.approx(raised - PROTECTED_PERSON_BONUS)
    event = AuditEvent.objects.get(clip=clip, action="person.match_rejected")
    assert event.actor == senior and event.data["candidate"] == dami.pk

    # Rejected once: the same spelling on another clip is not suggested again.
    second = ClipFactory(submitted_by=moderator)
    api_client_for(moderator).post(
        f"/api/v1/clips/{second.public_id}/reports/", {"subjects": ["kim damie"]}, format="json"
    )
    assert not NameSuggestion.objects.filter(clip=second).exists()


def test_a_hangul_report_of_a_romanised_protected_person_is_a_possible_match(moderator):
    choi = PersonFactory(name="Choi Woo-shik", protected=True)
    clip = ScoredClipFactory(reports=0)
    from dashboard.persons import depict_names

    depict_names(clip, ["최우식"], source="report", actor=moderator)
    suggestion = NameSuggestion.objects.get(clip=clip)
    assert (suggestion.candidate, suggestion.reason) == (choi, "romanization")
    assert covering_policies(clip, "approve") == [PROTECTED_POLICY]


def test_linking_a_suggestion_merges_the_spelling_into_the_protected_person(
    dami, moderator, senior
):
    clip = ScoredClipFactory(reports=0)
    from dashboard.persons import depict_names

    depict_names(clip, ["Kim Damie"], source="report", actor=moderator)
    suggestion = NameSuggestion.objects.get(clip=clip)
    assert link_suggestion(suggestion.pk, senior) == dami
    suggestion.refresh_from_db()
    assert suggestion.state == MatchState.LINKED
    assert list(clip.persons.all()) == [dami]
    assert resolve_person("kim damie") == dami
    assert covering_policies(clip, "approve") == [PROTECTED_POLICY]
    assert AuditEvent.objects.filter(clip=clip, action="person.match_linked").exists()


def test_merge_moves_everything_is_audited_and_an_admin_undoes_it(senior, admin_user):
    target = PersonFactory(name="김다미", aliases=["金多美"])
    source = PersonFactory(name="Kim Da-mi", aliases=["Dami Kim"], protected=True)
    both = ScoredClipFactory(persons=[target, source], reports=0)
    only_source = ScoredClipFactory(persons=[source], reports=0)
    refresh_priority(only_source)
    bank = HashBank.objects.create(name="References", kind="reference")
    reference = BankEntry.objects.create(
        bank=bank, source="reference", person=source, frame_hashes=b""
    )
    hold = LegalHold.objects.create(person=source, reason="court order")

    merge = merge_persons(source.pk, target.pk, senior)

    target.refresh_from_db()
    source.refresh_from_db()
    assert target.protected  # OR of the two flags
    assert target.aliases == ["金多美", "Kim Da-mi", "Dami Kim"]
    assert source.merged_into == target
    assert list(only_source.persons.all()) == [target] and list(both.persons.all()) == [target]
    assert Depiction.objects.filter(clip=only_source, person=target, source="merged").exists()
    reference.refresh_from_db()
    hold.refresh_from_db()
    assert reference.person == target and hold.person == target
    assert {resolve_person(s).pk for s in ["Kim Da-mi", "dami kim", "金多美", "김 다미"]} == {
        target.pk
    }
    assert covering_policies(only_source, "approve") == [PROTECTED_POLICY]
    event = AuditEvent.objects.get(action="person.merged")
    assert event.actor == senior
    assert event.data["source"] == source.pk and event.data["target"] == target.pk
    assert event.data["relations"] == {
        "provenance.BankEntry.person": 1,
        "retention.LegalHold.person": 1,
    }

    with pytest.raises(IdentityError) as refused:
        undo_merge(merge.pk, senior)
    assert refused.value.code == "admin_only"
    undo_merge(merge.pk, admin_user)

    target.refresh_from_db()
    source.refresh_from_db()
    assert (target.protected, target.aliases) == (False, ["金多美"])
    assert source.merged_into is None
    assert list(only_source.persons.all()) == [source]
    assert set(both.persons.all()) == {target, source}
    reference.refresh_from_db()
    hold.refresh_from_db()
    assert reference.person == source and hold.person == source
    assert resolve_person("Kim Da-mi") == source
    assert PersonMerge.objects.get(pk=merge.pk).undone_by == admin_user
    assert AuditEvent.objects.filter(action="person.merge_undone", actor=admin_user).exists()
    with pytest.raises(IdentityError):
        undo_merge(merge.pk, admin_user)


def test_merge_refuses_moderators_and_the_same_person(moderator, senior):
    ana = PersonFactory()
    with pytest.raises(IdentityError) as refused:
        merge_persons(ana.pk, PersonFactory().pk, moderator)
    assert refused.value.code == "senior_only"
    with pytest.raises(IdentityError) as same:
        merge_persons(ana.pk, ana.pk, senior)
    assert same.value.code == "same_person"


def test_search_for_an_alias_finds_the_clip(dami):
    clip = ScoredClipFactory(persons=[dami], caption="a clip")
    ScoredClipFactory(persons=[PersonFactory(name="Bo Example")])
    for text in ["Kim Da-mi", "kim dami", "김 다미", "Da-mi"]:
        assert list(Clip.objects.filter(clip_search(text))) == [clip], text


def test_queue_search_finds_an_alias(client, moderator, dami):
    clip = ScoredClipFactory(persons=[dami])
    client.force_login(moderator)
    from django.urls import reverse

    html = client.get(reverse("dashboard:queue"), {"q": "Kim Da-mi"}).content.decode()
    assert clip.short_id in html


def test_api_person_filter_takes_any_spelling(api_client_for, moderator, dami):
    clip = ScoredClipFactory(persons=[dami])
    ScoredClipFactory(persons=[PersonFactory(name="Bo Example")])
    client = api_client_for(moderator)
    for value in [str(dami.pk), "Kim Da-mi", "KIM DAMI", "김 다미"]:
        body = client.get("/api/v1/clips/", {"person": value}).json()
        assert [row["id"] for row in body["results"]] == [str(clip.public_id)], value
    assert client.get("/api/v1/clips/", {"person": "nobody"}).json()["results"] == []


def test_api_refuses_a_second_person_with_the_same_spelling(api_client_for, admin_user):
    admin = api_client_for(admin_user)
    created = admin.post(
        "/api/v1/persons/", {"name": "김다미", "aliases": ["Kim Da-mi"]}, format="json"
    )
    assert created.status_code == 201, created.content
    for body in [{"name": "김 다미"}, {"name": "Someone", "aliases": ["KIM DAMI"]}]:
        refused = admin.post("/api/v1/persons/", body, format="json")
        assert refused.status_code == 400, body
        assert "김다미" in refused.json()["error"]["fields"]["name"][0]
    # Editing the person itself keeps its own spellings.
    person_id = created.json()["id"]
    edited = admin.patch(
        f"/api/v1/persons/{person_id}/", {"aliases": ["Kim Da-mi", "Gim Da-mi"]}, format="json"
    )
    assert edited.status_code == 200, edited.content
    assert resolve_person("gim dami").pk == person_id
