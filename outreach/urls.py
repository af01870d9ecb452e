from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # --- out1 --- events, series, attendance, participants, sign-in import
    # --- end out1 ---
    # --- out2 ---
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/feed/", views.CalendarFeedManageView.as_view(), name="calendar_feed"),
    path("calendar/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar_feed_ics"),
    path("targets/", views.TargetBoardView.as_view(), name="targets"),
    path("targets/<int:site_id>/", views.SiteTargetEditView.as_view(), name="target_edit"),
    # --- end out2 ---
]
