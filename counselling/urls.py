from django.urls import path

from counselling import views

app_name = "counselling"
urlpatterns = [
    path("", views.CaseloadView.as_view(), name="caseload"),
    path("today/", views.TodayView.as_view(), name="today"),
    path(
        "cases/<int:case_id>/appointments/new/",
        views.AppointmentPlanView.as_view(),
        name="appointment-plan",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.AppointmentView.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:appointment_id>/session/",
        views.AppointmentSessionView.as_view(),
        name="appointment-session",
    ),
    path("intake/", views.IntakeView.as_view(), name="intake"),
    path("cases/<int:case_id>/", views.CaseDetailView.as_view(), name="case"),
    path(
        "cases/<int:case_id>/change/<slug:action>/",
        views.CaseChangeView.as_view(),
        name="case-change",
    ),
    path("cases/<int:case_id>/sessions/new/", views.SessionLogView.as_view(), name="session-log"),
    path("cases/<int:case_id>/safety-plan/", views.SafetyPlanView.as_view(), name="safety-plan"),
    path(
        "cases/<int:case_id>/referrals/new/",
        views.ReferralCreateView.as_view(),
        name="referral-create",
    ),
    path(
        "cases/<int:case_id>/guardians/new/", views.GuardianAddView.as_view(), name="guardian-add"
    ),
    path(
        "cases/<int:case_id>/consents/new/",
        views.ConsentRecordView.as_view(),
        name="consent-record",
    ),
    path(
        "cases/<int:case_id>/consents/<int:consent_id>/withdraw/",
        views.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path(
        "cases/<int:case_id>/guardians/<int:guardian_id>/edit/",
        views.GuardianEditView.as_view(),
        name="guardian-edit",
    ),
    path("cases/<int:case_id>/close/", views.CaseCloseView.as_view(), name="case-close"),
    path(
        "cases/<int:case_id>/print/",
        views.CaseSummaryPrintView.as_view(),
        name="case-print",
    ),
    path(
        "referrals/<int:referral_id>/letter/",
        views.ReferralLetterPrintView.as_view(),
        name="referral-letter",
    ),
    path("cases/<int:case_id>/share/", views.ShareView.as_view(), name="case-share"),
    path(
        "cases/<int:case_id>/shares/<int:user_id>/revoke/",
        views.ShareRevokeView.as_view(),
        name="share-revoke",
    ),
    path("cases/<int:case_id>/assign/", views.AssignView.as_view(), name="case-assign"),
    path("cases/<int:case_id>/viewers/", views.ViewersView.as_view(), name="case-viewers"),
    path("cases/<int:case_id>/break-glass/", views.BreakGlassView.as_view(), name="break-glass"),
    path(
        "referrals/<int:referral_id>/advance/",
        views.ReferralAdvanceView.as_view(),
        name="referral-advance",
    ),
    path("sessions/<int:session_id>/", views.SessionDetailView.as_view(), name="session"),
    path("crisis/find/", views.CrisisSearchView.as_view(), name="crisis-search"),
    path("conferences/", views.ConferenceListView.as_view(), name="conferences"),
    path(
        "cases/<int:case_id>/follow-ups/new/",
        views.FollowUpAddView.as_view(),
        name="follow-up-add",
    ),
    path("follow-ups/<int:follow_up_id>/", views.FollowUpView.as_view(), name="follow-up"),
]
