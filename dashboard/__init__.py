"""The review desk's domain: clips, reports, persons, labels, decisions, audit, roles and views."""
