from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # --- out1 --- events, series, attendance, participants, sign-in import
    # --- end out1 ---
    # --- out2 ---
    # --- end out2 ---
]
