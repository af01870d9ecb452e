"""Forms of outreach's planning pages: a site's monthly targets."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from outreach.services.targets import TARGET_MAX


class SiteTargetForm(forms.Form):
    parent_classes = forms.IntegerField(
        label=_("Parent classes a month"), min_value=0, max_value=TARGET_MAX
    )
    group_sessions = forms.IntegerField(
        label=_("Group sessions a month"),
        min_value=0,
        max_value=TARGET_MAX,
        help_text=_("Group counselling and group therapy together."),
    )
