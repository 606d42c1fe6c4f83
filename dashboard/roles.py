"""Who may do what: roles are auth groups created by a migration; these helpers read them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from dashboard.constants import Role

# Roles that include another's powers.
_IMPLIED = {
    Role.ADMIN: {Role.ADMIN, Role.SENIOR, Role.MODERATOR},
    Role.SENIOR: {Role.SENIOR, Role.MODERATOR},
    Role.MODERATOR: {Role.MODERATOR},
    Role.REPORTER: {Role.REPORTER},
}


def roles_of(user: AbstractBaseUser | AnonymousUser | None) -> set[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_unmask_roles", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    if user.is_superuser:
        roles |= _IMPLIED[Role.ADMIN]
    for name in user.groups.values_list("name", flat=True):
        if name in _IMPLIED:
            roles |= _IMPLIED[Role(name)]
    user._unmask_roles = roles
    return roles


def is_moderator(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return Role.MODERATOR in roles_of(user)


def is_senior(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return Role.SENIOR in roles_of(user)


def is_admin(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return Role.ADMIN in roles_of(user)


def is_reporter(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return Role.REPORTER in roles_of(user)


def set_role(user: AbstractBaseUser, role: str) -> None:
    """Give `user` exactly one Unmask role (and staff access to the admin for Admins)."""
    role = Role(role)
    managed = Group.objects.filter(name__in=[r.value for r in Role])
    user.groups.remove(*managed)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    if hasattr(user, "_unmask_roles"):
        del user._unmask_roles
