"""Issue 13: the admin names our models (and so their permissions, "个案 | Can view case") in
the reader's language: every model of ours has a translatable verbose name with its zh-hans
entry. The "Can view" part is Django's own stored text, left as Django writes it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.utils import translation
from django.utils.functional import Promise

OURS = {"centre", "counselling", "screening", "hotline", "outreach"}


def our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OURS]


def test_every_model_of_ours_is_named_in_chinese():
    untranslated = []
    with translation.override("zh-hans"):
        for model in our_models():
            names = (model._meta.verbose_name, model._meta.verbose_name_plural)
            untranslated.extend(
                f"{model._meta.label}: {name}"
                for name in names
                if not isinstance(name, Promise) or str(name).isascii()
            )
            for codename, name in model._meta.permissions:
                if str(name).isascii():
                    untranslated.append(f"{model._meta.label}.{codename}: {name}")
    assert not untranslated


@pytest.mark.django_db
def test_the_admin_names_the_model_of_a_permission_in_chinese():
    permission = Permission.objects.get(
        content_type__app_label="screening", codename="view_tierrequest"
    )
    with translation.override("zh-hans"):
        assert "预警等级调整申请" in str(permission)
    with translation.override("en"):
        assert "tier change request" in str(permission)
