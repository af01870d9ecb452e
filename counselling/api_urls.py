from django.urls import path

from counselling import apis

app_name = "counselling-api"
urlpatterns = [
    path("cases/", apis.CaseListApi.as_view(), name="cases"),
    path("cases/<int:case_id>/", apis.CaseDetailApi.as_view(), name="case"),
    path("clients/", apis.ClientListApi.as_view(), name="clients"),
    path("clients/<int:client_id>/", apis.ClientDetailApi.as_view(), name="client"),
    path("sessions/", apis.SessionListApi.as_view(), name="sessions"),
    path("sessions/<int:session_id>/", apis.SessionDetailApi.as_view(), name="session"),
    path("appointments/", apis.AppointmentListApi.as_view(), name="appointments"),
    path(
        "appointments/<int:appointment_id>/cancel/",
        apis.AppointmentCancelApi.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:appointment_id>/session/",
        apis.AppointmentSessionApi.as_view(),
        name="appointment-session",
    ),
    path("referrals/", apis.ReferralListApi.as_view(), name="referrals"),
    path(
        "referrals/<int:referral_id>/advance/",
        apis.ReferralAdvanceApi.as_view(),
        name="referral-advance",
    ),
]
