"""The navigation bar and the home page's tiles, from what each app declares on its AppConfig:
its `workspace` (its landing page, titled and opened for the roles its view admits) and its
other `navigation` entries, and its `home`: the page that replaces the home page for some roles.
An entry shows for a user who holds one of its roles (or, for
`permission`, that model permission)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from centre.declarations import declared
from centre.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from centre.models import User


@dataclass(frozen=True)
class NavigationItem:
    label: str | Promise
    url_name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    permission: str = ""
    order: int = 100

    def is_shown_to(self, user: User) -> bool:
        if self.permission and user.has_perm(self.permission):
            return True
        return any(user.has_role(role) for role in self.roles)


@dataclass(frozen=True)
class Workspace:
    """An app's landing page: `view` is the dotted path of its view class, whose `title` and
    `roles` the entry takes (imported when the navigation is first shown)."""

    view: str
    url_name: str
    order: int

    def item(self) -> NavigationItem:
        view_class = import_string(self.view)
        return NavigationItem(view_class.title, self.url_name, view_class.roles, order=self.order)


@dataclass(frozen=True)
class Home:
    """An app's page that is the home page (and the page after sign-in) of `roles`."""

    url_name: str
    roles: frozenset[Role]
    order: int = 100


def home_for(user: User | AnonymousUser) -> str | None:
    """The address of the declared home of one of the user's roles (the lowest order), or None:
    the portal's own home page with its tiles."""
    if not user.is_authenticated:
        return None
    homes = sorted((home for _config, home in declared("home")), key=lambda home: home.order)
    for home in homes:
        if any(user.has_role(role) for role in home.roles):
            return reverse(home.url_name)
    return None


def declared_items() -> list[NavigationItem]:
    """Every app's workspace and navigation entries, by order (one entry an address)."""
    items: dict[str, NavigationItem] = {}
    workspaces = [workspace.item() for _config, workspace in declared("workspace")]
    entries = [item for _config, entries in declared("navigation") for item in entries]
    for item in [*workspaces, *entries]:
        items.setdefault(item.url_name, item)
    return sorted(items.values(), key=lambda item: item.order)


def items_for(user: User) -> list[dict[str, str]]:
    if not user.is_authenticated:
        return []
    return [
        {"label": str(item.label), "url": reverse(item.url_name), "name": item.url_name}
        for item in declared_items()
        if item.is_shown_to(user)
    ]
