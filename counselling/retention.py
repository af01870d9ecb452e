"""Counselling's retention (centre.retention, DOMAIN.md §5.5): case files go
COUNSELLING_RETENTION_YEARS after the case closed; the child's registration with guardians and
consents CONSENT_RETENTION_YEARS after their last case file went."""

from __future__ import annotations

import datetime

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from centre.legal_holds import held_ids
from centre.retention import erase
from counselling.models import Case, Client, Consent


def cases_expired(*, cutoff: datetime.datetime) -> QuerySet[Case]:
    # A case reopened since keeps its old closing moment: only a closed case goes. A hold on
    # the child keeps every file of theirs.
    return Case.objects.filter(closed_at__lt=cutoff, status=Case.Status.CLOSED).exclude(
        client__in=held_ids(Client)
    )


def cases_erase(*, rows: QuerySet[Case]) -> int:
    """Erase the case files, first keeping on each child when their last one closed."""
    clients = Client.objects.filter(cases__in=rows).annotate(closed=Max("cases__closed_at"))
    for client in clients.distinct():
        if client.last_case_closed_at is None or client.closed > client.last_case_closed_at:
            client.last_case_closed_at = client.closed
            client.save(update_fields=["last_case_closed_at"])
    return erase(rows)


def registrations_expired(*, cutoff: datetime.datetime) -> QuerySet[Client]:
    """Children with no case file left whose last one closed before the cutoff (or who never had
    one and were registered before it)."""
    any_case = Case.objects.filter(client=OuterRef("pk"))
    return Client.objects.filter(~Exists(any_case)).filter(
        Q(last_case_closed_at__lt=cutoff)
        | Q(last_case_closed_at__isnull=True, created_at__lt=cutoff)
    )


def registrations_erase(*, rows: QuerySet[Client]) -> int:
    # A consent PROTECTs the guardian who gave it: the consents go first.
    erase(Consent.objects.filter(client__in=rows))
    return erase(rows)
