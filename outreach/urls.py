from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # --- out1 --- events, series, attendance, participants, sign-in import
    path("events/", views.EventListView.as_view(), name="events"),
    path("events/new/", views.EventCreateView.as_view(), name="event_new"),
    path("events/<int:event_id>/", views.EventDetailView.as_view(), name="event"),
    path("events/<int:event_id>/edit/", views.EventEditView.as_view(), name="event_edit"),
    path("events/<int:event_id>/cancel/", views.EventCancelView.as_view(), name="event_cancel"),
    path("events/<int:event_id>/held/", views.EventHeldView.as_view(), name="event_held"),
    path(
        "events/<int:event_id>/attendance/",
        views.EventAttendanceView.as_view(),
        name="event_attendance",
    ),
    path(
        "events/<int:event_id>/participants/<int:participant_id>/remove/",
        views.ParticipantRemoveView.as_view(),
        name="participant_remove",
    ),
    path("series/new/", views.SeriesCreateView.as_view(), name="series_new"),
    path("series/<int:series_id>/", views.SeriesDetailView.as_view(), name="series"),
    path("series/<int:series_id>/cancel/", views.SeriesCancelView.as_view(), name="series_cancel"),
    # --- end out1 ---
    # --- out2 ---
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/feed/", views.CalendarFeedManageView.as_view(), name="calendar_feed"),
    path("calendar/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar_feed_ics"),
    path("targets/", views.TargetBoardView.as_view(), name="targets"),
    path("targets/<int:site_id>/", views.SiteTargetEditView.as_view(), name="target_edit"),
    # --- end out2 ---
]
