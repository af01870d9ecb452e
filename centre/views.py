from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from centre import health
from centre.models import AuditEntry
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
