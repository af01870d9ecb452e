from django.urls import path

from counselling import views

app_name = "counselling"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
]
