from django.urls import path

from hotline import views

app_name = "hotline"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # --- calls (hot1) ---
    # --- end calls (hot1) ---
    # --- alerts, rota, crisis board (hot2) ---
    # --- end alerts, rota, crisis board (hot2) ---
    # --- callbacks, handover, wallboard (hot3) ---
    # --- end callbacks, handover, wallboard (hot3) ---
]
