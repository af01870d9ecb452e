"""Partner organisations (agencies, enterprises, schools, communities…) and their service
agreements: made and edited by the outreach coordinators and supervisors of the partner's site
or a site above it. Callers have read the partner through
`outreach.selectors.get_partner_for_user` (404 otherwise)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from centre import field_rules
from centre.audit import audit_log
from centre.models import School, Site, User
from outreach.models import Agreement, Partner
from outreach.selectors import user_may_plan_events

PARTNER_FIELDS = ("name", "kind", "school", "contact_person", "contact_phone", "active")
AGREEMENT_FIELDS = ("starts_on", "ends_on", "services", "contact_person")
SERVICES_MAX = 2000


def _require_partner_editor(actor: User, site: Site) -> None:
    """Coordinators and supervisors of `site` or a site above it."""
    if not user_may_plan_events(user=actor) or actor.site is None:
        raise PermissionDenied
    if not site.path.startswith(actor.site.path):
        raise ValidationError(
            {"site": _("A partner belongs to your site or a site below it.")}, code="site"
        )


def _no_control_characters(fields: dict[str, Any], names: tuple[str, ...]) -> None:
    """Postgres refuses a NUL; no other control character belongs in a name or a phone."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, str) and any(
            ord(character) < 32 and character not in "\n\r\t" for character in value
        ):
            raise ValidationError(
                {name: _("Remove the control characters from this text.")}, code="control"
            )


def _check_partner(site: Site, fields: dict[str, Any]) -> None:
    _no_control_characters(fields, ("name", "contact_person", "contact_phone"))
    if not str(fields.get("name", "")).strip():
        raise ValidationError({"name": _("Give the partner's name.")}, code="name")
    phone = str(fields.get("contact_phone") or "").strip()
    if phone:
        try:
            field_rules.validate_phone(phone)
        except ValidationError as error:
            raise ValidationError({"contact_phone": error.messages}, code="phone") from error
    school: School | None = fields.get("school")
    if school is not None and not (
        school.site.path.startswith(site.path) or site.path.startswith(school.site.path)
    ):
        raise ValidationError(
            {"school": _("Choose a school of your site or a site below it.")}, code="school"
        )


def _cleaned(record: Partner | Agreement, exclude: list[str]) -> None:
    record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


@transaction.atomic
def partner_create(*, actor: User, site: Site, **fields: Any) -> Partner:
    """A partner organisation of `site` (the actor's or one below it), `PARTNER_FIELDS`."""
    _require_partner_editor(actor, site)
    fields = {name: value for name, value in fields.items() if name in PARTNER_FIELDS}
    _check_partner(site, fields)
    partner = Partner(site=site, **fields)
    partner.name = partner.name.strip()
    _cleaned(partner, exclude=["site", "school"])
    partner.save()
    audit_log(
        actor=actor, action="outreach.partner.created", target=partner, data={"site": site.pk}
    )
    return partner


@transaction.atomic
def partner_update(*, actor: User, partner: Partner, **fields: Any) -> Partner:
    _require_partner_editor(actor, partner.site)
    changes = {name: value for name, value in fields.items() if name in PARTNER_FIELDS}
    merged = {name: getattr(partner, name) for name in PARTNER_FIELDS} | changes
    _check_partner(partner.site, merged)
    for name, value in changes.items():
        setattr(partner, name, value)
    partner.name = partner.name.strip()
    _cleaned(partner, exclude=["site", "school"])
    partner.save(update_fields=[*changes] or None)
    audit_log(
        actor=actor,
        action="outreach.partner.updated",
        target=partner,
        data={"fields": sorted(changes)},
    )
    return partner


def _check_agreement(fields: dict[str, Any]) -> None:
    _no_control_characters(fields, ("contact_person",))
    services = fields.get("services") or ""
    if "\x00" in services or len(services) > SERVICES_MAX:
        raise ValidationError(
            {"services": _("At most 2,000 characters, without control characters.")},
            code="services",
        )
    starts_on: datetime.date | None = fields.get("starts_on")
    ends_on: datetime.date | None = fields.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(
            {"ends_on": _("The agreement ends on or after the day it starts.")}, code="ends_on"
        )


@transaction.atomic
def agreement_create(*, actor: User, partner: Partner, **fields: Any) -> Agreement:
    """A service agreement with `partner`: its period, the services agreed, a contact person."""
    _require_partner_editor(actor, partner.site)
    fields = {name: value for name, value in fields.items() if name in AGREEMENT_FIELDS}
    _check_agreement(fields)
    agreement = Agreement(partner=partner, **fields)
    _cleaned(agreement, exclude=["partner"])
    agreement.save()
    audit_log(
        actor=actor,
        action="outreach.agreement.created",
        target=agreement,
        data={"partner": partner.pk},
    )
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement: Agreement, **fields: Any) -> Agreement:
    _require_partner_editor(actor, agreement.partner.site)
    changes = {name: value for name, value in fields.items() if name in AGREEMENT_FIELDS}
    merged = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS} | changes
    _check_agreement(merged)
    for name, value in changes.items():
        setattr(agreement, name, value)
    _cleaned(agreement, exclude=["partner"])
    agreement.save(update_fields=[*changes] or None)
    audit_log(
        actor=actor,
        action="outreach.agreement.updated",
        target=agreement,
        data={"partner": agreement.partner_id, "fields": sorted(changes)},
    )
    return agreement
