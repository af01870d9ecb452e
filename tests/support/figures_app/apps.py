"""An app that exists only in tests: it gives the core a statistics provider and a message
template through its AppConfig, as hotline or outreach would, and nothing in `centre` names it.
Installed by `modify_settings(INSTALLED_APPS={"append": "tests.support.figures_app"})`."""

from django.apps import AppConfig
from django.utils.translation import gettext as _

from centre.reminders import Message


class FiguresAppConfig(AppConfig):
    name = "tests.support.figures_app"
    label = "figures_app"
    statistics_provider = "tests.support.figures_app.statistics"
    message_templates = {"talk_planned": "tests.support.figures_app.apps.talk_planned"}


def talk_planned(params: dict) -> Message:
    return Message(title=_("A talk is planned"))
