from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _

from centre import apis, idle, views

api_patterns: list[URLPattern | URLResolver] = [
    # Signed-in staff only: the schema answers 404 to anyone else, the docs page (a page like
    # every other) sends them to sign in.
    path("schema/", apis.SchemaApi.as_view(), name="api-schema"),
    # A page (an HTML template) only: OPTIONS would render DRF's metadata with no template.
    # Swagger UI draws its icons as data: images (SVG, nothing fetched): allowed on this page.
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(
            login_required(
                apis.SchemaDocsApi.as_view(
                    url_name="api-schema",
                    http_method_names=["get", "head"],
                    title=_("Youth mental-health counselling portal API"),
                )
            )
        ),
        name="api-docs",
    ),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("counselling/", include("counselling.api_urls")),
    path("hotline/", include("hotline.api_urls")),
    path("outreach/", include("outreach.api_urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signin/second-factor/", views.SecondFactorView.as_view(), name="second-factor"),
    path(
        "signin/second-factor/setup/",
        views.SecondFactorSetupView.as_view(),
        name="second-factor-setup",
    ),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/sessions/", views.AccountSessionsView.as_view(), name="account-sessions"),
    path(
        "account/recovery-codes/", views.RecoveryCodesView.as_view(), name="account-recovery-codes"
    ),
    path("session/keepalive/", idle.keepalive, name="session-keepalive"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("statistics/export.xlsx", views.StatisticsExportView.as_view(), name="statistics-export"),
    path(
        "statistics/reports/<int:report_id>.xlsx",
        views.MonthlyReportView.as_view(),
        name="statistics-report",
    ),
    path(
        "statistics/reports/build/",
        views.MonthlyReportBuildView.as_view(),
        name="statistics-report-build",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("audit/export.xlsx", views.AuditExportView.as_view(), name="audit-export"),
    path(
        "audit/export.csv",
        views.AuditExportView.as_view(file_format="csv"),
        name="audit-export-csv",
    ),
    path("audit/break-glass/", views.BreakGlassReviewsView.as_view(), name="audit-break-glass"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("reminders/", views.RemindersView.as_view(), name="reminders"),
    path(
        "reminders/<int:reminder_id>/", views.ReminderDecisionView.as_view(), name="reminder-decide"
    ),
    path("counselling/", include("counselling.urls")),
    path("screening/", include("screening.urls")),
    path("hotline/", include("hotline.urls")),
    path("outreach/", include("outreach.urls")),
    path("api/v1/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

handler400 = "centre.views.bad_request"
