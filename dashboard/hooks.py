"""Extension points of the core, filled by the apps above it.

The core (`dashboard`: items, reports, persons, decisions, the state machine, roles) imports no
other first-party app. A satellite (detection, provenance, teamwork, integrations, insight) that
has a say in something the core owns registers a callable in one of these typed lists from its
`AppConfig.ready()`. The core calls them in registration order (INSTALLED_APPS order), so the
behaviour is deterministic, and a test can see exactly who contributes what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.files.storage import Storage
    from django.db.models import Model

    from dashboard.models import Clip, Decision, Label
    from dashboard.signals import Signal

T = TypeVar("T")


class HookList(Generic[T]):
    """An ordered registry of contributions; registering the same name twice replaces it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        self._items[key] = item
        return item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[str]:
        return list(self._items)


@dataclass(frozen=True)
class PriorityContribution:
    """Points a satellite adds to a clip's queue priority, with a name shown in the breakdown.

    `points(clip)` reads what it needs itself (one query at most) and returns 0 when it has
    nothing to say. The core's own contributions (score, reports, protected persons) are
    registered the same way, by `dashboard.priority`.
    """

    key: str
    label: str
    points: Callable[[Clip], float]


priority_contributions: HookList[PriorityContribution] = HookList("priority_contributions")


@dataclass(frozen=True)
class SignalProvider:
    """An app that has evidence about a clip: `signals(clip)` returns its `Signal`s (see
    `dashboard.signals`), read from what the app stored (a run, a match, a manifest), one or
    two queries at most. A signal the app could not evaluate is returned as not applicable,
    with the reason, rather than left out."""

    key: str
    signals: Callable[[Clip], list[Signal]]


# Filled by detection (the face-manipulation model) and provenance (known-fake match, Content
# Credentials); read by the review page, the API, decisions' evidence and the priority.
signal_providers: HookList[SignalProvider] = HookList("signal_providers")


@dataclass(frozen=True)
class ClipEventListener:
    """An app that acts when something happens to a clip (see `dashboard.events.announce`).

    `handle(event, clip, payload)` runs inside the transaction of the change, so what it writes
    commits or rolls back with it; work for after the commit goes through `on_commit`. `events`
    limits the events it hears (None: all of them).
    """

    key: str
    handle: Callable[[str, Clip | int, dict[str, Any]], None]
    events: frozenset[str] | None = None


clip_event_listeners: HookList[ClipEventListener] = HookList("clip_event_listeners")


# Told, inside the change's transaction, that a fact the priority weighs changed for a clip (a
# report raised its reach, a person was tagged, a bank match arrived or was marked wrong):
# `dashboard.priority.refresh_priority` calls them after storing the new priority, so every
# writer of such a fact already reaches them. Filled by routing (re-route the clip).
clip_facts_changed: HookList[Callable[[Clip], None]] = HookList("clip_facts_changed")


@dataclass(frozen=True)
class RoutingCondition:
    """A condition routing rules may test that an app above the core knows how to answer
    (e.g. a case's total reach, from the cases app).

    A rule stores `{key: parameter}` in its extra conditions; `holds(clip, parameter)` says
    whether the clip meets it (one query at most). `describe(parameter)` is the sentence the
    admin shows; `parse(text)` validates what the admin typed and returns the parameter to
    store, raising ValueError with a sentence when it is not acceptable.
    """

    key: str
    label: str
    holds: Callable[[Clip, Any], bool]
    parse: Callable[[Any], Any] = lambda value: value
    describe: Callable[[Any], str] = lambda value: str(value)


# Filled by apps with facts of their own to route on; read by routing.conditions.
routing_conditions: HookList[RoutingCondition] = HookList("routing_conditions")


# Admin actions on clips that satellites add to the operators' panel (detection: re-score); each
# is a Django admin action function, registered from the app's admin module.
clip_admin_actions: HookList[Callable[..., None]] = HookList("clip_admin_actions")


@dataclass(frozen=True)
class HeldMedia:
    """One piece of a clip's media that an app stores: a file in a storage, or bytes in a row.

    `storage` and `name` locate a file (deleted through the storage API, so a local disk and
    S3 are both really freed); `storage` is None for bytes kept in a database row (face crops).
    `forget()` clears the app's reference once the file is gone (blanks a FileField, drops a
    row); it must be safe to call again. The retention app never imports the model it touches.
    """

    kind: str
    description: str
    storage: Storage | None
    name: str
    size_bytes: int
    forget: Callable[[], None]


@dataclass(frozen=True)
class MediaHolder:
    """An app that stores media of a clip: `held(clip)` lists what it holds now (nothing after
    an erasure, so a re-run is a no-op)."""

    key: str
    label: str
    held: Callable[[Clip], list[HeldMedia]]


@dataclass(frozen=True)
class RetentionBlocker:
    """A reason a retention sweep must not delete a clip's media yet (an open appeal, a pack
    being built): `reason(clip)` returns a sentence, or "" when it has nothing against it."""

    key: str
    reason: Callable[[Clip], str]


# Filled by dashboard (the clip file), detection (face crops), teamwork (evidence packs) and
# provenance (disclosed renditions); read by the retention app.
clip_media_holders: HookList[MediaHolder] = HookList("clip_media_holders")
retention_blockers: HookList[RetentionBlocker] = HookList("retention_blockers")


# --- decisions (dashboard.decisions) --------------------------------------------------------


@dataclass(frozen=True)
class ProposedDecision:
    """A decision about to be recorded, as the decision guards see it.

    `actor` is the moderator deciding, or None when the system decides (then `actor_label`
    names the policy). The clip is locked by the caller's transaction.
    """

    clip: Clip
    action: str
    labels: Sequence[Label]
    note: str
    reason: str
    evidence: dict[str, Any]
    actor: AbstractBaseUser | None = None
    actor_label: str = ""
    audit_data: dict[str, Any] = field(default_factory=dict)
    # What the platform is advised to do with the uploader's account (AccountRecommendation).
    account_recommendation: str = "none"


DecisionGuard = Callable[[ProposedDecision], "Model | None"]
"""Given a proposed decision, hold it (write and return the record that holds it, e.g. a
pending decision awaiting a second moderator, and move the clip on) or return None to let it
apply. The first guard that holds wins; the decision is then not recorded."""

DecisionCheck = Callable[[ProposedDecision], None]
"""Given a proposed decision, refuse it by raising `dashboard.decisions.DecisionError` (or any
`ServiceError`) when a satellite's rule forbids it as proposed (approving a known fake without
a reason); return None to let it go on to the guards. Checks run before any guard."""

DecisionEvidence = Callable[["Clip"], dict[str, Any]]
"""What a satellite adds to the evidence kept with a decision (one or two queries at most)."""

DecisionListener = Callable[["Decision", "Sequence[Label]"], None]
"""Told of a recorded decision and its labels, inside the decision's transaction."""

DecisionAfterCommit = Callable[["Decision", "Sequence[Label]"], "Callable[[], None] | None"]
"""Asked, inside the decision's transaction, what to do once it commits: the work to run then
(e.g. enqueue a job), or None when this decision calls for nothing. The core schedules it."""

decision_checks: HookList[DecisionCheck] = HookList("decision_checks")
decision_guards: HookList[DecisionGuard] = HookList("decision_guards")
decision_evidence: HookList[DecisionEvidence] = HookList("decision_evidence")
# Run inside the decision's transaction: what must commit or roll back with it (an outbox row).
decision_recorded: HookList[DecisionListener] = HookList("decision_recorded")
# Work run after the decision's transaction commits (a job must never see an uncommitted row).
decision_committed: HookList[DecisionAfterCommit] = HookList("decision_committed")
