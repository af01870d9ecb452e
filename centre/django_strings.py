"""Strings Django shows on our pages that its own zh_Hans catalogue lacks (Django 5.2 changed
their msgids and its translations were not updated): named here so that `makemessages` keeps
them in our catalogue, which is read before Django's (`LOCALE_PATHS`). Nothing imports this
module; the test of the password change page checks that the translation is shown."""

from django.utils.translation import gettext_lazy, ngettext_lazy

DJANGO_STRINGS = (
    # django.contrib.auth.password_validation.MinimumLengthValidator.get_error_message
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    # admin/auth/user/add_form.html
    gettext_lazy("After you’ve created a user, you’ll be able to edit more user options."),
)
