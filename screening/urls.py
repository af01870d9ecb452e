from django.urls import path

from screening import views

app_name = "screening"
urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="home"),
    path("campaigns/<int:campaign_id>/", views.CampaignView.as_view(), name="campaign"),
    path(
        "campaigns/<int:campaign_id>/template.xlsx",
        views.TemplateDownloadView.as_view(),
        name="template",
    ),
    path("imports/<int:import_id>/", views.ImportView.as_view(), name="import"),
    path("imports/<int:import_id>/errors.xlsx", views.ImportErrorsView.as_view(), name="errors"),
    path("imports/<int:import_id>/undo/", views.ImportUndoView.as_view(), name="undo"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("board/tasks.xlsx", views.TaskSheetView.as_view(), {"output": "xlsx"}, name="task_sheet"),
    path(
        "board/tasks/print/",
        views.TaskSheetView.as_view(),
        {"output": "print"},
        name="task_sheet_print",
    ),
    path("results/<int:result_id>/", views.ResultView.as_view(), name="result"),
    path("tasks/<int:task_id>/refer/", views.ReferView.as_view(), name="refer"),
    path("tasks/<int:task_id>/done/", views.TaskDoneView.as_view(), name="task_done"),
    # The online self-assessment: public pages (no sign-in), then the liaison's.
    path("online/", views.OnlineStartView.as_view(), name="online"),
    path("online/agree/", views.OnlineAgreeView.as_view(), name="online_agree"),
    path("online/question/", views.OnlineQuestionView.as_view(), name="online_question"),
    path("online/submit/", views.OnlineSubmitView.as_view(), name="online_submit"),
    path("online/thanks/", views.OnlineThanksView.as_view(), name="online_thanks"),
    path(
        "campaigns/<int:campaign_id>/online/",
        views.OnlineOpenView.as_view(),
        name="online_open",
    ),
    path(
        "campaigns/<int:campaign_id>/consent/",
        views.CampaignConsentView.as_view(),
        name="campaign_consent",
    ),
    path(
        "campaigns/<int:campaign_id>/online/progress/",
        views.OnlineProgressView.as_view(),
        name="online_progress",
    ),
    path(
        "online/windows/<int:window_id>/not-yet/",
        views.OnlineNotYetView.as_view(),
        name="online_not_yet",
    ),
    path(
        "online/windows/<int:window_id>/students/<int:student_id>/new-code/",
        views.OnlineCodeReissueView.as_view(),
        name="online_reissue",
    ),
    path(
        "online/windows/<int:window_id>/reprint/",
        views.OnlineReprintView.as_view(),
        name="online_reprint",
    ),
    path(
        "campaigns/<int:campaign_id>/consent/slips/",
        views.ConsentSlipsView.as_view(),
        name="consent_slips",
    ),
    path(
        "campaigns/<int:campaign_id>/consent/students/<int:student_id>/withdraw/",
        views.ConsentWithdrawView.as_view(),
        name="consent_withdraw",
    ),
    path("campaigns/<int:campaign_id>/leaving/", views.LeavingView.as_view(), name="leaving"),
    path(
        "online/windows/<int:window_id>/close/",
        views.OnlineCloseView.as_view(),
        name="online_close",
    ),
]
