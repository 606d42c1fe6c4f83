"""What the desk offers to choose from, in the reader's language: the removal policies and the
platform presets (rows seeded by migration 0014, edited in the admin in English and Korean).

Choices keep their English name as the value a decision or a clip stores, so records stay
comparable whatever language the moderator read; only what is shown is translated. A clip's
platform stays free text: a name that is no preset is shown as it was given.
"""

from dashboard.models import Platform, RemovalPolicy, in_reader_language


def removal_policies() -> list[RemovalPolicy]:
    """The active policies, in the admin's order."""
    return list(RemovalPolicy.objects.filter(active=True))


def policy_names(policies: list[RemovalPolicy] | None = None) -> dict[str, str]:
    """English name -> name in the reader's language, for every policy (retired ones too:
    old decisions cite them)."""
    rows = RemovalPolicy.objects.all() if policies is None else policies
    return {policy.name: policy.display_name for policy in rows}


def platform_table() -> dict[str, Platform]:
    """Every platform preset by its case-folded name: read once per page, then looked up."""
    return {p.name.casefold(): p for p in Platform.objects.all()}


def platform_presets() -> list[Platform]:
    """The active platforms offered where a platform is entered or filtered."""
    return list(Platform.objects.filter(active=True))


def active_presets(table: dict[str, Platform]) -> list[Platform]:
    """`platform_presets()` from a table already read (`platform_table()`)."""
    return sorted((p for p in table.values() if p.active), key=lambda p: (p.position, p.name))


def platform_name(value: str, table: dict[str, Platform] | None = None) -> str:
    """A clip's platform as the reader's language names it: a preset's translated name, or
    the free text as it was given."""
    if not value:
        return ""
    if table is None:
        preset = Platform.objects.filter(name__iexact=value.strip()).first()
    else:
        preset = table.get(value.strip().casefold())
    return in_reader_language(preset, "name") if preset else value
