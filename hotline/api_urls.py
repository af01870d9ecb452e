from django.urls import URLPattern, URLResolver, path

from hotline import apis

app_name = "hotline-api"
urlpatterns: list[URLPattern | URLResolver] = [
    # --- calls (hot1) ---
    path("calls/", apis.CallListApi.as_view(), name="calls"),
    path("calls/<int:call_id>/", apis.CallDetailApi.as_view(), name="call"),
    # --- end calls (hot1) ---
    # --- alerts (hot2) ---
    # --- end alerts (hot2) ---
    # --- callbacks (hot3) ---
    # --- end callbacks (hot3) ---
]
