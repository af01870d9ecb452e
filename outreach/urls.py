from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # Events, series, attendance, participants, sign-in import
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
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/feed/", views.CalendarFeedManageView.as_view(), name="calendar_feed"),
    path("calendar/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar_feed_ics"),
    path("targets/", views.TargetBoardView.as_view(), name="targets"),
    path("targets/<int:site_id>/", views.SiteTargetEditView.as_view(), name="target_edit"),
    # Partners and agreements, trainees, sign-in sheet import
    path("partners/", views.PartnerListView.as_view(), name="partners"),
    path("partners/new/", views.PartnerCreateView.as_view(), name="partner_new"),
    path("partners/<int:partner_id>/", views.PartnerView.as_view(), name="partner"),
    path("partners/<int:partner_id>/edit/", views.PartnerEditView.as_view(), name="partner_edit"),
    path(
        "partners/<int:partner_id>/agreements/new/",
        views.AgreementCreateView.as_view(),
        name="agreement_new",
    ),
    path(
        "agreements/<int:agreement_id>/edit/",
        views.AgreementEditView.as_view(),
        name="agreement_edit",
    ),
    path("events/<int:event_id>/trainees/", views.TraineesView.as_view(), name="trainees"),
    path(
        "events/<int:event_id>/trainees/<int:trainee_id>/remove/",
        views.TraineeRemoveView.as_view(),
        name="trainee_remove",
    ),
    path("events/<int:event_id>/import/", views.SignInSheetImportView.as_view(), name="import"),
]
