from django.urls import URLPattern, URLResolver, path

from outreach import apis

app_name = "outreach-api"
urlpatterns: list[URLPattern | URLResolver] = [
    # Events, attendance
    path("events/", apis.EventListApi.as_view(), name="events"),
    path("events/<int:event_id>/", apis.EventDetailApi.as_view(), name="event"),
    path(
        "events/<int:event_id>/attendance/",
        apis.EventAttendanceApi.as_view(),
        name="event-attendance",
    ),
]
