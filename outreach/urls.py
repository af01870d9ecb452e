from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
]
