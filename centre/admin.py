from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import ModelAdmin
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from centre import two_factor, user_sessions
from centre.audit import current_actor
from centre.models import School, Site, User
from centre.roles import Role

admin.site.site_header = admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = _("Administration")

# The admin is behind the second factor twice: the sign-in steps' middleware sends an
# unverified session away from it, and the site itself admits only a verified one (as
# django-otp's OTPAdminSite does, without its password-and-code login form: ours is the one).
_django_has_permission = admin.site.has_permission


def admin_has_permission(request: HttpRequest) -> bool:
    return _django_has_permission(request) and two_factor.session_verified(request)


admin.site.has_permission = admin_has_permission  # type: ignore[method-assign]

# django-otp registers its devices in the admin, secrets and recovery codes in view: an
# administrator never sees them (the user admin's "reset the second step" action is the way).
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)

# Strings of Django 5.2's admin templates (read by screen readers) that its zh_Hans catalogue
# lacks; named here so makemessages keeps them in ours, which Django reads first.
DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)


def role_label(group: Group) -> str:
    """A role's name in the reader's language (a group that is no role: its name)."""
    return str(Role(group.name).label) if group.name in Role.values else group.name


class RoleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """An account's roles, named in the reader's language."""

    def label_from_instance(self, obj: Group) -> str:
        return role_label(obj)


class RoleFilter(admin.SimpleListFilter):
    """Accounts by role, named in the reader's language (not by the groups' codes)."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in Role.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


_django_initial_data = ModelAdmin.get_changeform_initial_data


def fits(field: Any, values: Any) -> bool:
    """Whether every one of `values` is something `field` (or the field it points to) can hold."""
    target = field.target_field if field.is_relation else field
    try:
        for value in values if isinstance(values, list) else [values]:
            target.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def checked_initial_data(self: ModelAdmin[Any], request: HttpRequest) -> dict[str, Any]:
    """The admin's "add" page prefills fields from the query string (`?site=3`) without checking
    them: `?site=²` made every add page answer 500. A value its field cannot take is dropped
    (the field starts empty), for every ModelAdmin, ours and the installed apps'."""
    initial = _django_initial_data(self, request)
    for name, value in list(initial.items()):
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # not a field of the model: the form ignores it
        if not fits(field, value):
            del initial[name]
    return initial


_django_optgroups = AutocompleteMixin.optgroups


def checked_optgroups(
    self: AutocompleteMixin,
    name: str,
    value: Sequence[str],
    attr: dict[str, Any] | None = None,
) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
    """An autocomplete field sent back with a value that is no id (`site=²`) looked it up as it
    came, and the page answered 500; such a value is left out, as if nothing was chosen."""
    return _django_optgroups(self, name, [item for item in value if fits(self.field, item)], attr)


ModelAdmin.get_changeform_initial_data = checked_initial_data  # type: ignore[method-assign]
AutocompleteMixin.optgroups = checked_optgroups  # type: ignore[method-assign]


class AccountChangeForm(UserChangeForm):  # type: ignore[type-arg]  # see SiteAdmin
    """Refuses a change of one's own roles, permissions, site or school: a system administrator
    must not open clinical records to themselves (the model signals refuse it too)."""

    SELF_LOCKED = ("groups", "user_permissions", "is_superuser", "is_staff", "site", "school")
    editor: User | AnonymousUser | None = None

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        editing_self = self.editor is not None and self.instance.pk == self.editor.pk
        if editing_self and set(self.changed_data) & set(self.SELF_LOCKED):
            raise ValidationError(
                _(
                    "You cannot change your own roles, permissions, site or school. "
                    "Ask another administrator; the change will be in the audit log."
                ),
                code="self_change",
            )
        return cleaned


class PasswordResetForm(AdminPasswordChangeForm):  # type: ignore[type-arg]  # see SiteAdmin
    """An administrator's reset of someone's password: they choose their own at their next
    sign-in (an administrator changing their own password here is not asked again)."""

    def save(self, commit: bool = True) -> Any:
        actor = current_actor()
        self.user.must_change_password = actor is None or actor.pk != self.user.pk
        return super().save(commit=commit)


class AccountCreationForm(AdminUserCreationForm):  # type: ignore[type-arg]  # see SiteAdmin
    """A new account's first password is the administrator's: its owner changes it first."""

    def save(self, commit: bool = True) -> Any:
        self.instance.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]  # see SiteAdmin
    form = AccountChangeForm
    add_form = AccountCreationForm
    change_password_form = PasswordResetForm
    actions = ("end_sessions", "reset_second_factor")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Place in the network"), {"fields": ("site", "school", "phone", "language")}),
        (_("Signing in"), {"fields": ("must_change_password",)}),
    )
    list_display = ("username", "first_name", "last_name", "site", "school", "is_active")
    list_filter = ("is_active", RoleFilter, "site__kind")
    list_select_related = ("site", "school")
    autocomplete_fields = ("site", "school")

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs |= {"form_class": RoleChoiceField, "label": _("roles")}
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[User]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, AccountChangeForm):
            form.editor = request.user  # the class is made for this request by modelform_factory
        return form

    def get_readonly_fields(
        self, request: HttpRequest, obj: User | None = None
    ) -> list[str] | tuple[Any, ...]:
        # Only a superuser (an operator at the console) may hand out superuser status or
        # permissions outside the roles; a system administrator manages accounts and roles.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    @admin.action(
        description=_("End the sessions of the selected accounts"), permissions=["change"]
    )
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Sign the accounts out everywhere (audited); one's own browser stays signed in."""
        actor = request.user if isinstance(request.user, User) else None
        ended = sum(
            user_sessions.sessions_end(
                user=user,
                actor=actor,
                reason=user_sessions.EndReason.ADMINISTRATOR,
                keep_key=request.session.session_key,
                request=request,
            )
            for user in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)s session ended.", "%(count)s sessions ended.", ended)
            % {"count": ended},
        )

    @admin.action(
        description=_("Reset the second sign-in step of the selected accounts"),
        permissions=["change"],
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """A lost phone: the accounts' authenticator and recovery codes are removed, their
        sessions end, and each enrols again at their next sign-in (audited). Never one's own:
        another administrator checks who is asking."""
        if not isinstance(request.user, User):
            return
        others = queryset.exclude(pk=request.user.pk)
        if others.count() != queryset.count():
            self.message_user(
                request,
                _("Nobody resets their own second step: ask another administrator."),
                level=messages.ERROR,
            )
        for user in others:
            two_factor.second_factor_reset(user=user, actor=request.user, request=request)
        if others:
            self.message_user(
                request,
                _("Reset: these accounts set up their second step again at their next sign-in."),
            )


@admin.register(Site)
# The admin classes are generic in django-stubs only, not at run time (no `ModelAdmin[Site]`).
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # see SiteAdmin
    list_display = ("code", "name", "district", "level", "site")
    list_filter = ("level", "district")
    search_fields = ("code", "name", "district")
    list_select_related = ("site",)
    autocomplete_fields = ("site",)


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(DjangoGroupAdmin):
    """The roles' groups, named in the reader's language (not by their codes)."""

    list_display = ("role",)

    @admin.display(description=_("role"))
    def role(self, group: Group) -> str:
        return role_label(group)
