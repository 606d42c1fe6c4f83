"""An existing desk upgrades: run by test_upgrade.py in its own process against a scratch
database named by DATABASE_URL (an SQLite file, or a new PostgreSQL database).

1. Migrate the empty database to the last landed release (landed.LANDED).
2. Seed it as a desk in use would be, through the historical models of that schema (never the
   current ones, which may already have columns the old schema lacks): users in every role,
   clips in every state with reports, persons and detection runs, decisions with labels, a
   pending two-person decision, an appeal, hash bank entries, webhooks and their deliveries.
3. Migrate forward to the newest migration of every app: whatever was added since LANDED runs.
4. Check that the rows survived (counts and key fields) and that the desk works on them: the
   queue service and the queue, escalations and review pages answer, and a clip can still be
   claimed and decided.

Prints "ok" last when every check held; any failure is an exception (non-zero exit).
"""

import os
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from django.apps import apps as live_apps  # noqa: E402
from django.apps.registry import Apps  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.migrations.landed import LANDED  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "an upgrade test password 42"  # noqa: S105
# Clip statuses as the landed schema spells them (strings, not today's constants).
OPEN = ["queued", "scoring", "awaiting_review", "in_review", "escalated", "awaiting_confirm"]
STATUSES = [*OPEN, "failed", "approved", "labeled", "removed"]
SCORED = {"awaiting_review", "in_review", "escalated", "awaiting_confirm", "approved"}
SCORED |= {"labeled", "removed"}
DECIDED = {"approved": "approve", "labeled": "label", "removed": "remove"}


def first_party(app_label: str) -> bool:
    return Path(live_apps.get_app_config(app_label).path).is_relative_to(ROOT)


def landed_targets(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """LANDED for the project's apps; the newest migration of Django's and libraries' apps.

    A first-party app that did not exist at LANDED is left unmigrated, as on an old desk.
    """
    graph = executor.loader.graph
    for app, name in LANDED.items():
        # A renamed or deleted landed migration would strand every existing desk's
        # django_migrations rows (see dashboard/migrations/README.md).
        assert (app, name) in graph.nodes, f"landed migration {app}.{name} is gone"
    targets = list(LANDED.items())
    targets += [(app, name) for app, name in graph.leaf_nodes() if not first_party(app)]
    return targets


def migrate(targets: list[tuple[str, str]] | None = None) -> Apps:
    executor = MigrationExecutor(connection)
    targets = targets if targets is not None else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def seed(old: Apps) -> dict:
    """A small desk in use, written with the landed schema's models; returns what to expect."""
    get = old.get_model
    now = timezone.now()
    User, Group = get("auth", "User"), get("auth", "Group")
    users = {}
    for username, role in [
        ("moderator", "Moderator"),
        ("moderator2", "Moderator"),
        ("senior", "Senior moderator"),
        ("admin", "Admin"),
        ("reporter", "Reporter"),
    ]:
        user = User.objects.create(
            username=username, password=make_password(PASSWORD), is_staff=role == "Admin"
        )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    moderator, senior = users["moderator"], users["senior"]

    Person = get("dashboard", "Person")
    ana = Person.objects.create(name="Ana Example", protected=True, aliases=["Ana E."])
    bo = Person.objects.create(name="Bo Example")
    face_swap = get("dashboard", "Label").objects.get(slug="face-swap")
    detector = get("detection", "DetectorModel").objects.create(
        name="baseline",
        version="1",
        file="detectors/baseline-1.onnx",
        sha256="d" * 64,
        input_spec={"name": "input", "size": 224},
        output_spec={"name": "output", "index": 1},
        threshold=0.5,
        is_active=True,
        activated_at=now,
    )

    Clip, Report = get("dashboard", "Clip"), get("dashboard", "Report")
    Run, Crop = get("detection", "DetectionRun"), get("detection", "FaceCrop")
    Decision, Audit = get("dashboard", "Decision"), get("dashboard", "AuditEvent")
    clips, decisions = {}, {}
    for i, status in enumerate(STATUSES):
        scored = status in SCORED
        score = round(0.3 + 0.06 * i, 2) if scored else None
        clip = Clip.objects.create(
            sha256=f"{i + 1:064x}",
            file=f"clips/{i:02x}/clip-{i}.mp4",
            original_filename=f"{status}.mp4",
            size_bytes=10_000 + i,
            width=320,
            height=240,
            fps=25.0,
            duration_s=2.0,
            frame_count=50,
            platform="tube",
            caption=f"A clip that is {status}",
            reach=1000 * (i + 1),
            status=status,
            priority=10.0 * i,
            score=score,
            scoring_done=50 if scored else 0,
            scoring_total=50 if scored else 0,
            version=3,
            failure_reason="unreadable video" if status == "failed" else "",
            claimed_by=moderator if status == "in_review" else None,
            claim_expires_at=now + timedelta(minutes=10) if status == "in_review" else None,
            created_at=now - timedelta(hours=i + 1),
            decided_at=now - timedelta(minutes=i) if status in DECIDED else None,
        )
        clips[status] = clip
        for n in range(1 + (status == "awaiting_review")):
            Report.objects.create(
                clip=clip,
                reporter=users["reporter"],
                reason="impersonation" if n else "deepfake",
                note=f"report {n}",
                reach=1000 * (i + 1),
                created_at=clip.created_at,
            )
        if status in {"awaiting_review", "awaiting_confirm", "removed"}:
            clip.persons.add(ana)
        if status in {"in_review", "labeled"}:
            clip.persons.add(bo)
        if scored:
            run = Run.objects.create(
                clip=clip,
                model=detector,
                status="done",
                clip_score=score,
                threshold=0.5,
                frames_total=4,
                frames_scored=4,
                faces_found=4,
                timeline=[
                    {"t": k * 0.5, "frame": k * 12, "score": score, "faces": [[1, 2, 30, 30, 0.9]]}
                    for k in range(4)
                ],
                timings_ms={"total": 80.0},
                finished_at=clip.created_at + timedelta(minutes=1),
            )
            Crop.objects.create(run=run, rank=0, time_s=0.5, score=score, jpeg=b"\xff\xd8jpeg")
        if status in DECIDED or status == "escalated":
            action = DECIDED.get(status, "escalate")
            decision = Decision.objects.create(
                clip=clip,
                action=action,
                moderator=moderator,
                note=f"{action} note",
                reason="a minister" if action == "escalate" else "",
                evidence={"model": "baseline", "version": "1", "score": score},
                created_at=now - timedelta(minutes=i),
            )
            if action == "label":
                decision.labels.add(face_swap)
            decisions[status] = decision
            Audit.objects.create(
                clip=clip,
                actor=moderator,
                action=f"decision.{action}",
                from_status="in_review",
                to_status=status,
                data={"decision": decision.pk},
                created_at=decision.created_at,
            )
    Audit.objects.create(clip=None, actor_label="seed", action="system.note", data={})

    pending = get("teamwork", "PendingDecision").objects.create(
        clip=clips["awaiting_confirm"],
        action="remove",
        note="depicts Ana",
        evidence={"score": clips["awaiting_confirm"].score},
        covered_by=[{"name": "Protected person: remove or approve"}],
        from_status="in_review",
        proposed_by=moderator,
    )
    pending.labels.add(face_swap)
    appeal = get("teamwork", "Appeal").objects.create(
        clip=clips["removed"],
        decision=decisions["removed"],
        statement="It is really me, and it is authentic.",
        appellant="Ana Example",
        source="api",
        submitted_by=users["admin"],
    )
    get("teamwork", "SlaBand").objects.create(name="critical", min_priority=80, hours=2)

    hashes = bytes(range(32)) * 2
    frames = {
        "frame_hashes": hashes,
        "frame_valid": [True, True],
        "frame_indices": [0, 12],
        "frame_times": [0.0, 0.48],
        "frame_count": 50,
    }
    Bank, Entry = get("provenance", "HashBank"), get("provenance", "BankEntry")
    fakes = Bank.objects.create(name="Known fakes", kind="known_fake", auto_apply=False)
    references = Bank.objects.create(name="References", kind="reference")
    get("provenance", "ClipFingerprint").objects.create(clip=clips["removed"], **frames)
    banked = Entry.objects.create(
        bank=fakes,
        source="decision",
        clip=clips["removed"],
        decision=decisions["removed"],
        decision_action="remove",
        persons=["Ana Example"],
        **frames,
    )
    Entry.objects.create(
        bank=references, source="reference", person=ana, title="Ana's interview", **frames
    )
    get("provenance", "BankMatch").objects.create(
        clip=clips["awaiting_review"],
        entry=banked,
        query_share=0.9,
        bank_share=0.8,
        best_distance=4,
        matched_frames=2,
    )

    Endpoint = get("integrations", "WebhookEndpoint")
    Event, Delivery = get("integrations", "WebhookEvent"), get("integrations", "WebhookDelivery")
    endpoint = Endpoint.objects.create(
        name="Platform",
        url="https://hooks.example.com/unmask",
        secret="s" * 40,
        events=["clip.decided", "clip.escalated"],
    )
    for status, delivery_state in [("removed", "succeeded"), ("escalated", "pending")]:
        event = Event.objects.create(
            event_type="clip.decided" if status == "removed" else "clip.escalated",
            clip=clips[status],
            payload={"type": "clip.decided", "data": {"decision": decisions[status].pk}},
        )
        Delivery.objects.create(
            event=event,
            endpoint=endpoint,
            status=delivery_state,
            attempts=1 if delivery_state == "succeeded" else 0,
            last_status_code=200 if delivery_state == "succeeded" else None,
            finished_at=now if delivery_state == "succeeded" else None,
        )

    return {
        "clips": {
            c.sha256: (c.status, c.priority, c.score, c.reach, c.version) for c in clips.values()
        },
        "decisions": {d.pk: (d.clip_id, d.action, d.moderator_id) for d in decisions.values()},
        "pending": pending.pk,
        "appeal": appeal.pk,
        "hashes": hashes,
        "senior": senior.pk,
        "clip_ids": {status: clip.pk for status, clip in clips.items()},
    }


def count(apps: Apps, label: str) -> int:
    return apps.get_model(*label.split(".")).objects.count()


COUNTED = [
    "auth.User",
    "dashboard.Person",
    "dashboard.Clip",
    "dashboard.Report",
    "dashboard.Decision",
    "dashboard.AuditEvent",
    "detection.DetectionRun",
    "detection.FaceCrop",
    "teamwork.PendingDecision",
    "teamwork.Appeal",
    "provenance.HashBank",
    "provenance.BankEntry",
    "provenance.BankMatch",
    "integrations.WebhookEvent",
    "integrations.WebhookDelivery",
]


def check_data(new: Apps, expected: dict, counts: dict[str, int]) -> None:
    for label, before in counts.items():
        assert count(new, label) == before, (label, before, count(new, label))
    get = new.get_model
    clips = {
        c.sha256: (c.status, c.priority, c.score, c.reach, c.version)
        for c in get("dashboard", "Clip").objects.all()
    }
    assert clips == expected["clips"], clips
    decisions = {
        d.pk: (d.clip_id, d.action, d.moderator_id)
        for d in get("dashboard", "Decision").objects.all()
    }
    assert decisions == expected["decisions"], decisions
    labelled = get("dashboard", "Decision").objects.get(action="label")
    assert [label.slug for label in labelled.labels.all()] == ["face-swap"]
    pending = get("teamwork", "PendingDecision").objects.get(pk=expected["pending"])
    assert (pending.state, pending.action, pending.from_status) == (
        "pending",
        "remove",
        "in_review",
    )
    assert [label.slug for label in pending.labels.all()] == ["face-swap"]
    appeal = get("teamwork", "Appeal").objects.get(pk=expected["appeal"])
    assert appeal.state == "open" and appeal.decision.action == "remove"
    entry = get("provenance", "BankEntry").objects.get(source="decision")
    assert bytes(entry.frame_hashes) == expected["hashes"] and entry.decision_action == "remove"
    assert get("provenance", "BankEntry").objects.get(source="reference").person.protected
    states = sorted(get("integrations", "WebhookDelivery").objects.values_list("status", flat=True))
    assert states == ["pending", "succeeded"], states
    assert get("dashboard", "Clip").objects.get(status="awaiting_review").persons.count() == 1


def check_desk_works(expected: dict) -> None:
    """The current code (services and pages) on the upgraded rows."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from dashboard.claims import claim_clip
    from dashboard.decisions import DecisionRequest, apply_decision
    from dashboard.models import Clip
    from desk.queue import QueueFilters, queue_page

    setup_test_environment()
    User = get_user_model()
    moderator = User.objects.get(username="moderator")
    senior = User.objects.get(pk=expected["senior"])
    ids = expected["clip_ids"]

    rows = queue_page(QueueFilters(), moderator).rows
    listed = {row.clip.pk for row in rows}
    assert {ids["awaiting_review"], ids["in_review"], ids["queued"]} <= listed, listed
    assert ids["escalated"] not in listed and ids["approved"] not in listed

    client = Client()
    client.force_login(senior)
    for url in [
        reverse("dashboard:queue"),
        reverse("dashboard:escalations"),
        *(
            reverse("dashboard:clip", args=[Clip.objects.get(pk=pk).public_id])
            for pk in ids.values()
        ),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    waiting = Clip.objects.get(pk=ids["awaiting_review"])
    assert waiting.active_run() is not None
    assert waiting.short_id in client.get(reverse("dashboard:queue")).content.decode()

    # The write path works on old rows too: the moderator renews the claim they held before
    # the upgrade and decides the clip (no two-person policy covers it).
    held = ids["in_review"]
    claim_clip(held, moderator)
    apply_decision(held, moderator, DecisionRequest(action="label", labels=["face-swap"]))
    assert Clip.objects.get(pk=held).status == "labeled"


def main() -> None:
    landed = landed_targets(MigrationExecutor(connection))
    old = migrate(landed)
    expected = seed(old)
    counts = {label: count(old, label) for label in COUNTED}
    new = migrate()
    check_data(new, expected, counts)
    check_desk_works(expected)
    print("ok")


if __name__ == "__main__":
    main()
