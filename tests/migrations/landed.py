"""The schema of the last landed release: the newest migration of every first-party app at
commit 183fe74. An operator's desk is at (or before) this state; every migration newer than it
is what an upgrade runs, and tests/migrations/upgrade_check.py runs them on a seeded database.

When a release lands, move this forward (and the seed with it, if the models changed).
"""

LANDED_COMMIT = "183fe74"
LANDED: dict[str, str] = {
    "dashboard": "0005_clip_reach",
    "detection": "0001_initial",
    "integrations": "0002_event_type_appeal_decided",
    "teamwork": "0007_default_report_count_policy",
    "insight": "0005_summary_indexes_by_key",
    "provenance": "0003_bank_policy_bounds",
}
