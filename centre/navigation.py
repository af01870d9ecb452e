"""The navigation bar. Each app registers its entries in its AppConfig.ready(); an entry shows for
a user who holds one of its roles (or, for `permission`, that model permission)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise

from centre.models import User
from centre.roles import Role


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


_items: list[NavigationItem] = []


def register(*items: NavigationItem) -> None:
    for item in items:
        if item.url_name not in {existing.url_name for existing in _items}:
            _items.append(item)
    _items.sort(key=lambda item: item.order)


def items_for(user: User) -> list[dict[str, str]]:
    if not user.is_authenticated:
        return []
    return [
        {"label": str(item.label), "url": reverse(item.url_name), "name": item.url_name}
        for item in _items
        if item.is_shown_to(user)
    ]


def register_workspace(view_class: type, url_name: str, *, order: int) -> None:
    """Register an app's landing page under its title, for the roles its view admits."""
    register(NavigationItem(view_class.title, url_name, view_class.roles, order=order))
