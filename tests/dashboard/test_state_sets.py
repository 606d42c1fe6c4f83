"""The named state sets of dashboard/constants.py, written out by hand: each name is one
meaning, so a state added to (or dropped from) a set is a decision this test makes visible."""

from dashboard import constants
from dashboard.constants import ClipStatus


def test_each_named_set_holds_exactly_the_states_its_name_says():
    assert set(constants.FINAL_STATES) == {"approved", "labeled", "removed"}
    # The team dashboard's backlog: everything not decided, failed clips included.
    assert set(constants.UNDECIDED_STATES) == {
        "queued", "scoring", "awaiting_review", "in_review", "escalated", "awaiting_confirm",
        "failed",
    }  # fmt: skip
    assert set(constants.SCORING_STATES) == {"queued", "scoring"}
    # Who may open and claim a clip (escalated: seniors).
    assert set(constants.REVIEWABLE_STATES) == {"awaiting_review", "in_review", "escalated"}
    # The moderators' default queue: not escalated, not awaiting a second person, not failed.
    assert set(constants.MODERATOR_QUEUE_STATES) == {
        "queued", "scoring", "awaiting_review", "in_review",
    }  # fmt: skip
    # The SLA clock: undecided and not failed (a failed clip waits on operators).
    assert set(constants.SLA_CLOCK_STATES) == {
        "queued", "scoring", "awaiting_review", "in_review", "escalated", "awaiting_confirm",
    }  # fmt: skip


def test_sets_are_tuples_of_known_states_without_repeats():
    for name in ("FINAL_STATES", "UNDECIDED_STATES", "SCORING_STATES", "REVIEWABLE_STATES",
                 "MODERATOR_QUEUE_STATES", "SLA_CLOCK_STATES"):  # fmt: skip
        states = getattr(constants, name)
        assert isinstance(states, tuple), name
        assert len(set(states)) == len(states), name
        assert set(states) <= set(ClipStatus.values), name
