from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from centre import health, reminders
from centre.models import AuditEntry, Notification, Reminder
from centre.permissions import RoleRequiredMixin
from centre.roles import Role


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "centre/home.html"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": "ok" if health.database_answers() else "unavailable",
        "broker": "ok" if health.broker_answers() else "unavailable",
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


class AuditLogView(RoleRequiredMixin, ListView):
    """The audit log for auditors: newest first, filtered by action and user."""

    roles = frozenset({Role.AUDITOR})
    template_name = "centre/audit_log.html"
    paginate_by = 50

    def get_queryset(self):
        entries = AuditEntry.objects.all()
        action = self.request.GET.get("action", "").strip()
        username = self.request.GET.get("user", "").strip()
        if action:
            entries = entries.filter(action__startswith=action)
        if username:
            entries = entries.filter(actor_username=username)
        return entries

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action"] = self.request.GET.get("action", "")
        context["user_filter"] = self.request.GET.get("user", "")
        return context


class WorkspaceView(RoleRequiredMixin, TemplateView):
    """An app's landing page for its roles. Each app subclasses it with its title and roles."""

    template_name = "centre/workspace.html"
    title = ""
    description = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["description"] = self.description
        return context


class StatisticsView(WorkspaceView):
    roles = frozenset({Role.STATISTICS_ADMINISTRATOR, Role.SUPERVISOR})
    title = _("Statistics")
    description = _(
        "Monthly and cumulative figures of the centre's work per site and school, as charts and "
        "XLSX; aggregates only, never names."
    )


class InboxView(LoginRequiredMixin, View):
    """The signed-in user's notifications, newest first; opening one marks it read."""

    def get(self, request: HttpRequest) -> HttpResponse:
        notifications = Notification.objects.filter(user=request.user)[:100]
        return render(request, "centre/inbox.html", {"notifications": notifications})

    def post(self, request: HttpRequest) -> HttpResponse:
        """Mark one (`notification`) or all as read; go to its link if it has one."""
        unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
        chosen = request.POST.get("notification", "")
        if chosen.isdigit():
            notification = get_object_or_404(Notification, pk=chosen, user=request.user)
            unread.filter(pk=notification.pk).update(read_at=timezone.now())
            if notification.link and url_has_allowed_host_and_scheme(
                notification.link, allowed_hosts=None
            ):
                return redirect(notification.link)
        else:
            unread.update(read_at=timezone.now())
        return redirect("inbox")


class RemindersView(RoleRequiredMixin, View):
    """The outbox at a glance, and the reminders a person must decide about (a send that stopped
    half-way, or one that kept failing): resend, or give up."""

    roles = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMINISTRATOR})

    def get(self, request: HttpRequest) -> HttpResponse:
        failed = Reminder.objects.filter(status=Reminder.Status.FAILED).select_related("recipient")[
            :200
        ]
        return render(
            request,
            "centre/reminders.html",
            {"counts": reminders.reminder_counts(), "failed": failed},
        )

    def post(self, request: HttpRequest, reminder_id: int) -> HttpResponse:
        reminder = get_object_or_404(Reminder, pk=reminder_id, status=Reminder.Status.FAILED)
        decision = request.POST.get("decision")
        if decision == "resend":
            reminders.reminder_resend(actor=request.user, reminder=reminder)
            messages.success(request, _("The reminder will be sent again."))
        elif decision == "give_up":
            reminders.reminder_give_up(actor=request.user, reminder=reminder)
            messages.success(request, _("The reminder will not be sent."))
        else:
            messages.error(request, _("Choose to resend it or to give up."))
        return redirect("reminders")
