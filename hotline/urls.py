from django.urls import path

from hotline import views

app_name = "hotline"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    # Calls
    path("calls/", views.CallListView.as_view(), name="calls"),
    path("calls/new/", views.CallNewView.as_view(), name="call-new"),
    path("calls/<int:call_id>/", views.CallDetailView.as_view(), name="call"),
    path("calls/<int:call_id>/edit/", views.CallEditView.as_view(), name="call-edit"),
    path("calls/<int:call_id>/draft/", views.CallDraftView.as_view(), name="call-draft"),
    path("calls/<int:call_id>/open-case/", views.CallOpenCaseView.as_view(), name="call-open-case"),
    path("callers/lookup/", views.CallerLookupView.as_view(), name="caller-lookup"),
    # Alerts, rota, crisis board
    path("rota/", views.RotaView.as_view(), name="rota"),
    path("alerts/", views.AlertBoardView.as_view(), name="alerts"),
    path("alerts/rows/", views.AlertBoardFragmentView.as_view(), name="alerts-fragment"),
    path("alerts/<int:alert_id>/", views.AlertDetailView.as_view(), name="alert"),
    # Callbacks, handover, wallboard
    path("callbacks/", views.CallbackListView.as_view(), name="callbacks"),
    path(
        "callbacks/<int:callback_id>/outcome/",
        views.CallbackOutcomeView.as_view(),
        name="callback-outcome",
    ),
    path("handover/", views.HandoverView.as_view(), name="handover"),
    path(
        "handover/<int:handover_id>/read/",
        views.HandoverReadView.as_view(),
        name="handover-read",
    ),
    path("wallboard/", views.WallboardView.as_view(), name="wallboard"),
    path(
        "wallboard/figures.json",
        views.WallboardFiguresView.as_view(),
        name="wallboard-figures",
    ),
]
