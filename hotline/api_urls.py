from django.urls import URLPattern, URLResolver, path

from hotline import apis

app_name = "hotline-api"
urlpatterns: list[URLPattern | URLResolver] = [
    # Calls
    path("calls/", apis.CallListApi.as_view(), name="calls"),
    path("calls/<int:call_id>/", apis.CallDetailApi.as_view(), name="call"),
    # Alerts
    path("alerts/", apis.AlertListApi.as_view(), name="alerts"),
    path("alerts/<int:alert_id>/", apis.AlertDetailApi.as_view(), name="alert"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        apis.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
    # Callbacks
    path("callbacks/", apis.CallbackListApi.as_view(), name="callbacks"),
    path(
        "callbacks/<int:callback_id>/outcome/",
        apis.CallbackOutcomeApi.as_view(),
        name="callback-outcome",
    ),
]
