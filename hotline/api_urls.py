from django.urls import URLPattern, URLResolver, path

from hotline import apis

app_name = "hotline-api"
urlpatterns: list[URLPattern | URLResolver] = [
    # --- calls (hot1) ---
    path("calls/", apis.CallListApi.as_view(), name="calls"),
    path("calls/<int:call_id>/", apis.CallDetailApi.as_view(), name="call"),
    # --- end calls (hot1) ---
    # --- alerts (hot2) ---
    path("alerts/", apis.AlertListApi.as_view(), name="alerts"),
    path("alerts/<int:alert_id>/", apis.AlertDetailApi.as_view(), name="alert"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        apis.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
    # --- end alerts (hot2) ---
    # --- callbacks (hot3) ---
    path("callbacks/", apis.CallbackListApi.as_view(), name="callbacks"),
    path(
        "callbacks/<int:callback_id>/outcome/",
        apis.CallbackOutcomeApi.as_view(),
        name="callback-outcome",
    ),
    # --- end callbacks (hot3) ---
]
