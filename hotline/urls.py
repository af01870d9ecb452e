from django.urls import path

from hotline import alert_views, views

app_name = "hotline"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # --- calls (hot1) ---
    # --- end calls (hot1) ---
    # --- alerts, rota, crisis board (hot2) ---
    path("rota/", alert_views.RotaView.as_view(), name="rota"),
    path("alerts/", alert_views.AlertBoardView.as_view(), name="alerts"),
    path("alerts/rows/", alert_views.AlertBoardFragmentView.as_view(), name="alerts-fragment"),
    path("alerts/<int:alert_id>/", alert_views.AlertDetailView.as_view(), name="alert"),
    # --- end alerts, rota, crisis board (hot2) ---
    # --- callbacks, handover, wallboard (hot3) ---
    # --- end callbacks, handover, wallboard (hot3) ---
]
