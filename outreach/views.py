from django.utils.translation import gettext_lazy as _

from centre import views as centre_views
from centre.roles import Role


class WorkspaceView(centre_views.WorkspaceView):
    roles = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
    title = _("Outreach")
    description = _(
        "School lectures, parent classes, group counselling, trainings and community events, with "
        "their attendance."
    )


# --- out2 --- calendar and its feed, monthly targets

import datetime  # noqa: E402

from django.contrib import messages  # noqa: E402
from django.http import Http404, HttpResponse  # noqa: E402
from django.shortcuts import redirect, render  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import get_language  # noqa: E402
from django.utils.translation import gettext as gettext_now  # noqa: E402
from django.views import View  # noqa: E402

from centre.audit import audit_read  # noqa: E402
from centre.forms import ServiceFormMixin  # noqa: E402
from centre.paging import keyset_page  # noqa: E402
from centre.parameters import BadParameter, id_parameter  # noqa: E402
from centre.permissions import RecordRoleRequiredMixin, RoleRequiredMixin  # noqa: E402
from centre.statistics.months import parse_month  # noqa: E402
from outreach import calendar_feed, planning_forms, selectors, services, targets  # noqa: E402
from outreach.services.calendar import token_hash  # noqa: E402

OUTREACH_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})
FEED_USERS = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR, Role.COUNSELLOR})


def _month_parameter(request) -> datetime.date:
    text = request.GET.get("month", "").strip()
    if not text:
        return targets.this_month()
    try:
        return parse_month(text[:20])
    except ValueError as error:
        raise BadParameter("month", gettext_now("“month” is a month, YYYY-MM.")) from error


class TargetBoardView(RoleRequiredMixin, View):
    """Each site's progress against its monthly targets, the site tree by path (keyset pages),
    optionally only the sites behind."""

    roles = OUTREACH_STAFF

    def get(self, request):
        month = _month_parameter(request)
        behind_only = request.GET.get("behind") == "1"
        sites = targets.with_progress(selectors.outreach_sites_visible_to(user=request.user), month)
        if behind_only:
            sites = sites.filter(targets.behind_condition())
        page = keyset_page(sites, request.GET, order=("path", "id"), ascending=True)
        rows = [targets.Progress.of(site) for site in page.object_list]
        query = f"month={month:%Y-%m}" + ("&behind=1" if behind_only else "")
        return render(
            request,
            "outreach/targets.html",
            {
                "rows": rows,
                "page": page,
                "query": query,
                "month": month,
                "behind_only": behind_only,
                "editable": {
                    row.site.pk for row in rows if services.can_edit_target(request.user, row.site)
                },
            },
        )


class SiteTargetEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = OUTREACH_STAFF

    def _site(self, request, site_id):
        return selectors.get_outreach_site_for_user(user=request.user, site_id=site_id)

    def get(self, request, site_id):
        site = targets.with_progress(
            selectors.outreach_sites_visible_to(user=request.user).filter(pk=site_id),
            targets.this_month(),
        ).first()
        if site is None:
            raise Http404
        progress = targets.Progress.of(site)
        form = planning_forms.SiteTargetForm(
            initial={
                "parent_classes": progress.parent_target,
                "group_sessions": progress.group_target,
            }
        )
        return self._render(request, site, form)

    def post(self, request, site_id):
        site = self._site(request, site_id)
        form = planning_forms.SiteTargetForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.site_target_set(actor=request.user, site=site, **form.cleaned_data),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The targets are saved."))
            return redirect("outreach:targets")
        return self._render(request, site, form, status=outcome.status)

    @staticmethod
    def _render(request, site, form, status=200):
        return render(
            request, "outreach/target_form.html", {"site": site, "form": form}, status=status
        )


class CalendarView(RoleRequiredMixin, View):
    """A month or a week of events, per site and facilitator, planned against held; on a phone
    the days are a list."""

    roles = OUTREACH_STAFF

    def get(self, request):
        week = request.GET.get("view") == "week"
        text = request.GET.get("day", "").strip()
        try:
            day = datetime.date.fromisoformat(text[:10]) if text else timezone.localdate()
            if not 2000 <= day.year <= 2099:
                raise ValueError
        except ValueError as error:
            raise BadParameter("day", gettext_now("“day” is a date, YYYY-MM-DD.")) from error
        if week:
            first = day - datetime.timedelta(days=day.weekday())
            last = first + datetime.timedelta(days=6)
        else:
            first = day.replace(day=1)
            last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(1)
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
        end = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time())
        )
        events = selectors.calendar_events_visible_to(user=request.user).filter(
            starts_at__gte=start, starts_at__lt=end
        )
        site_id = id_parameter(request.GET, "site")
        facilitator_id = id_parameter(request.GET, "facilitator")
        if site_id is not None:
            events = events.filter(site_id=site_id)
        if facilitator_id is not None:
            events = events.filter(facilitators__id=facilitator_id)
        shown = list(
            events.select_related("site", "topic").order_by("starts_at", "id").distinct()[:500]
        )
        audit_read(request, "outreach.event.listed", shown)
        days = []
        current = first
        while current <= last:
            days.append(
                {
                    "date": current,
                    "events": [
                        event
                        for event in shown
                        if timezone.localtime(event.starts_at).date() == current
                    ],
                }
            )
            current += datetime.timedelta(days=1)
        span = datetime.timedelta(days=7) if week else datetime.timedelta(days=31)
        return render(
            request,
            "outreach/calendar.html",
            {
                "days": days,
                "week": week,
                "first": first,
                "last": last,
                "previous": (first - (datetime.timedelta(days=1) if not week else span)),
                "next": last + datetime.timedelta(days=1),
                "sites": selectors.outreach_sites_visible_to(user=request.user).order_by("path")[
                    :300
                ],
                "site_id": site_id,
                "facilitator_id": facilitator_id,
                "language": get_language() or "zh-hans",
            },
        )


class CalendarFeedManageView(RoleRequiredMixin, View):
    """The user's secret calendar address: made (shown once), made anew, or ended."""

    roles = FEED_USERS

    def get(self, request):
        return self._render(request, token=None)

    def post(self, request):
        if request.POST.get("action") == "end":
            services.calendar_feed_end(actor=request.user)
            messages.success(request, gettext_now("The calendar address no longer works."))
            return redirect("outreach:calendar_feed")
        token = services.calendar_feed_reset(actor=request.user)
        return self._render(request, token=token)

    @staticmethod
    def _render(request, token):
        address = request.build_absolute_uri(f"/outreach/calendar/{token}.ics") if token else ""
        has_feed = hasattr(request.user, "outreach_calendar_feed")
        return render(
            request,
            "outreach/calendar_feed.html",
            {"address": address, "has_feed": has_feed},
        )


class CalendarFeedView(View):
    """The feed itself, for a calendar app: no session, the token is the key. A wrong, old or
    malformed token answers 404; the answer is audited as the feed's owner."""

    def get(self, request, token):
        feed = (
            CalendarFeed.objects.select_related("user__site")  # access: the secret token is the key
            .filter(token_hash=token_hash(token), user__is_active=True)
            .first()
        )
        if feed is None:
            raise Http404
        start, end = calendar_feed.window()
        events = list(
            selectors.feed_events_for(user=feed.user)
            .filter(starts_at__gte=start, starts_at__lt=end)
            .select_related("site", "topic", "school", "partner")
            .order_by("starts_at", "id")[: calendar_feed.MAX_EVENTS]
        )
        calendar_feed.audit_feed_read(feed=feed, events=len(events), request=request)
        body = calendar_feed.feed(
            events, language=feed.user.language or "zh-hans", host=request.get_host()
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response


from outreach.models import CalendarFeed  # noqa: E402

# --- end out2 ---


# --- opartners --- partners and their agreements, trainees, sign-in sheet import

PARTNER_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR})

from centre.http import SignedInRequest  # noqa: E402
from centre.parameters import text_parameter  # noqa: E402
from centre.selectors import schools_for_user  # noqa: E402
from outreach import partner_forms  # noqa: E402
from outreach.models import Partner  # noqa: E402


def _partner_kind_parameter(request: SignedInRequest) -> str:
    kind = text_parameter(request.GET, "kind", max_length=20)
    if kind and kind not in Partner.Kind.values:
        raise BadParameter("kind", gettext_now("“kind” is one of the partner kinds."))
    return kind


def _partner_form(request: SignedInRequest, *args, editing: bool = False, **kwargs):
    return partner_forms.PartnerForm(
        *args,
        sites=selectors.outreach_sites_visible_to(user=request.user).order_by("path"),
        schools=schools_for_user(request.user).order_by("code"),
        editing=editing,
        **kwargs,
    )


class PartnerListView(RoleRequiredMixin, View):
    """The partners of the user's site tree (by name, keyset pages), filtered by kind or to
    those with an agreement expiring within 60 days; the expiring agreements listed above."""

    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest) -> HttpResponse:
        kind = _partner_kind_parameter(request)
        expiring_only = request.GET.get("expiring") == "1"
        partners = selectors.partner_list(user=request.user, kind=kind, expiring=expiring_only)
        page = keyset_page(partners, request.GET, order=("name", "id"), ascending=True)
        query = "&".join(
            part
            for part in (f"kind={kind}" if kind else "", "expiring=1" if expiring_only else "")
            if part
        )
        return render(
            request,
            "outreach/partners.html",
            {
                "page": page,
                "partners": page.object_list,
                "query": query,
                "kind": kind,
                "kinds": Partner.Kind.choices,
                "expiring_only": expiring_only,
                "expiring": list(selectors.expiring_agreements(user=request.user)[:50]),
                "expiring_days": selectors.AGREEMENT_EXPIRING_DAYS,
            },
        )


class PartnerCreateView(ServiceFormMixin, RoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest) -> HttpResponse:
        form = _partner_form(request, initial={"site": request.user.site_id, "active": True})
        return self._render(request, form)

    def post(self, request: SignedInRequest) -> HttpResponse:
        form = _partner_form(request, request.POST)
        outcome = self.submit(
            form, lambda: services.partner_create(actor=request.user, **form.cleaned_data)
        )
        if outcome.saved:
            messages.success(request, gettext_now("The partner is saved."))
            return redirect("outreach:partner", partner_id=outcome.value.pk)
        return self._render(request, form, status=outcome.status)

    @staticmethod
    def _render(request, form, status=200):
        return render(
            request, "outreach/partner_form.html", {"form": form, "partner": None}, status=status
        )


class PartnerView(RecordRoleRequiredMixin, View):
    """A partner: its details, its agreements (in force, expiring, ended) and its events."""

    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        today, last = selectors.expiring_window()
        events = list(selectors.partner_events(user=request.user, partner=partner)[:50])
        audit_read(request, "outreach.event.listed", events)
        return render(
            request,
            "outreach/partner.html",
            {
                "partner": partner,
                "agreements": list(selectors.agreements_of(partner=partner)),
                "events": events,
                "today": today,
                "expiring_until": last,
            },
        )


class PartnerEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        initial = {name: getattr(partner, name) for name in services.PARTNER_FIELDS}
        form = _partner_form(request, initial=initial, editing=True)
        return self._render(request, partner, form)

    def post(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        form = _partner_form(request, request.POST, editing=True)
        outcome = self.submit(
            form,
            lambda: services.partner_update(
                actor=request.user, partner=partner, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The partner is saved."))
            return redirect("outreach:partner", partner_id=partner.pk)
        return self._render(request, partner, form, status=outcome.status)

    @staticmethod
    def _render(request, partner, form, status=200):
        return render(
            request,
            "outreach/partner_form.html",
            {"form": form, "partner": partner},
            status=status,
        )


class AgreementCreateView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        form = partner_forms.AgreementForm(initial={"contact_person": partner.contact_person})
        return _render_agreement(request, partner, None, form)

    def post(self, request: SignedInRequest, partner_id: int) -> HttpResponse:
        partner = selectors.get_partner_for_user(user=request.user, partner_id=partner_id)
        form = partner_forms.AgreementForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.agreement_create(
                actor=request.user, partner=partner, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The agreement is saved."))
            return redirect("outreach:partner", partner_id=partner.pk)
        return _render_agreement(request, partner, None, form, status=outcome.status)


class AgreementEditView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    roles = PARTNER_STAFF

    def get(self, request: SignedInRequest, agreement_id: int) -> HttpResponse:
        agreement = selectors.get_agreement_for_user(user=request.user, agreement_id=agreement_id)
        initial = {name: getattr(agreement, name) for name in services.AGREEMENT_FIELDS}
        form = partner_forms.AgreementForm(initial=initial)
        return _render_agreement(request, agreement.partner, agreement, form)

    def post(self, request: SignedInRequest, agreement_id: int) -> HttpResponse:
        agreement = selectors.get_agreement_for_user(user=request.user, agreement_id=agreement_id)
        form = partner_forms.AgreementForm(request.POST)
        outcome = self.submit(
            form,
            lambda: services.agreement_update(
                actor=request.user, agreement=agreement, **form.cleaned_data
            ),
        )
        if outcome.saved:
            messages.success(request, gettext_now("The agreement is saved."))
            return redirect("outreach:partner", partner_id=agreement.partner_id)
        return _render_agreement(request, agreement.partner, agreement, form, status=outcome.status)


def _render_agreement(request, partner, agreement, form, status=200):
    return render(
        request,
        "outreach/partner_agreement_form.html",
        {"partner": partner, "agreement": agreement, "form": form},
        status=status,
    )


TRAINEE_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR, Role.COUNSELLOR})


class TraineesView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """A training's trainees: the head count (typed, or raised by the list) and the optional
    list by name and organisation, added one by one (at the door) or imported from the sign-in
    sheet. For whoever sees the training (its planners and facilitators); any other event 404."""

    roles = TRAINEE_STAFF

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_training_for_user(user=request.user, event_id=event_id)
        return self._render(request, event)

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_training_for_user(user=request.user, event_id=event_id)
        if request.POST.get("action") == "count":
            count_form = partner_forms.TraineesCountForm(request.POST)
            outcome = self.submit(
                count_form,
                lambda: services.trainees_count_set(
                    actor=request.user,
                    event=event,
                    expected_version=count_form.cleaned_data["version"],
                    count=count_form.cleaned_data["trainees_count"],
                ),
            )
            if outcome.saved:
                messages.success(request, gettext_now("The count is saved."))
                return redirect("outreach:trainees", event_id=event.pk)
            return self._render(request, event, count_form=count_form, status=outcome.status)
        form = partner_forms.TraineeForm(request.POST)
        outcome = self.submit(
            form, lambda: services.trainee_add(actor=request.user, event=event, **form.cleaned_data)
        )
        if outcome.saved:
            messages.success(request, gettext_now("The trainee is listed."))
            return redirect("outreach:trainees", event_id=event.pk)
        return self._render(request, event, form=form, status=outcome.status)

    @staticmethod
    def _render(request, event, *, form=None, count_form=None, status=200):
        page = keyset_page(
            selectors.trainees_of(event=event),
            request.GET,
            order=("id",),
            per_page=100,
            ascending=True,
        )
        audit_read(request, "outreach.trainee.listed", page.object_list)
        return render(
            request,
            "outreach/trainees.html",
            {
                "event": event,
                "trainees": page.object_list,
                "page": page,
                "listed": event.trainees.count(),
                "form": form or partner_forms.TraineeForm(),
                "count_form": count_form
                or partner_forms.TraineesCountForm(
                    initial={"version": event.version, "trainees_count": event.trainees_count}
                ),
            },
            status=status,
        )


class TraineeRemoveView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Take a trainee off the list, after a confirmation."""

    roles = TRAINEE_STAFF

    def _trainee(self, request: SignedInRequest, event_id: int, trainee_id: int):
        event = selectors.get_training_for_user(user=request.user, event_id=event_id)
        trainee = selectors.get_trainee_for_user(
            user=request.user, event=event, trainee_id=trainee_id
        )
        return event, trainee

    def get(self, request: SignedInRequest, event_id: int, trainee_id: int) -> HttpResponse:
        event, trainee = self._trainee(request, event_id, trainee_id)
        audit_read(request, "outreach.trainee.viewed", trainee)
        return render(request, "outreach/trainee_remove.html", {"event": event, "trainee": trainee})

    def post(self, request: SignedInRequest, event_id: int, trainee_id: int) -> HttpResponse:
        event, trainee = self._trainee(request, event_id, trainee_id)
        services.trainee_remove(actor=request.user, trainee=trainee)
        messages.success(request, gettext_now("The trainee is taken off the list."))
        return redirect("outreach:trainees", event_id=event.pk)


SHEET_STAFF = frozenset({Role.OUTREACH_COORDINATOR, Role.SUPERVISOR, Role.COUNSELLOR})


class SignInSheetImportView(ServiceFormMixin, RecordRoleRequiredMixin, View):
    """Import an event's sign-in sheet: the attendance by audience and, for a training, the
    trainee list; the report (row, column, reason) on the page. For whoever sees the event."""

    roles = SHEET_STAFF

    def get(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        return self._render(request, event, partner_forms.SignInSheetForm())

    def post(self, request: SignedInRequest, event_id: int) -> HttpResponse:
        event = selectors.get_event_for_user(user=request.user, event_id=event_id)
        form = partner_forms.SignInSheetForm(request.POST, request.FILES)

        def run():
            upload = form.cleaned_data["file"]
            return services.sheet_import(
                actor=request.user,
                event=event,
                data=upload.read(),
                name=upload.name or "",
                all_or_nothing=form.cleaned_data["all_or_nothing"],
                replace_counts=form.cleaned_data["replace_counts"],
            )

        outcome = self.submit(form, run)
        if not outcome.saved:
            return self._render(request, event, form, status=outcome.status)
        return self._render(request, event, partner_forms.SignInSheetForm(), report=outcome.value)

    @staticmethod
    def _render(request, event, form, *, report=None, status=200):
        return render(
            request,
            "outreach/import.html",
            {
                "event": event,
                "form": form,
                "report": report,
                "errors": report.errors[:500] if report else [],
                "is_training": event.kind == event.Kind.TRAINING,
            },
            status=status,
        )


# --- end opartners ---
