"""The online self-assessment's pages (issue 16).

Public, for students who never sign in: the code (CSRF, rate limited per address and per code),
one question per screen (a POST per answer, no JavaScript needed), submit, a neutral thank-you
(never a score). The student's session id is kept in their signed cookie session, never in the
URL. For the liaison: open a class online (the printable sheet of slips, shown once) and the
progress per class (counts only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from centre.audit import audit_read
from centre.forms import ServiceFormMixin
from centre.http import SignedInRequest
from centre.permissions import RecordRoleRequiredMixin
from centre.roles import CAMPAIGN_ROLES
from centre.throttling import page_allows
from screening import forms, online_questions, selectors
from screening.models import OnlineSession
from screening.services import online

SESSION_KEY = "online_assessment"
# Refusals a student sees as a page of its own (the code is right, but cannot be used now).
REFUSED_PAGES = frozenset({"used", "closed", "not_open", "no_consent"})


def _session(request: HttpRequest) -> OnlineSession | None:
    session_id = request.session.get(SESSION_KEY)
    if not isinstance(session_id, int):
        return None
    return selectors.online_session(session_id=session_id)


def _refused(request: HttpRequest, message: object, status: int = 400) -> HttpResponse:
    return render(request, "screening/online/refused.html", {"message": message}, status=status)


class OnlineStartView(ServiceFormMixin, View):
    """Enter the code from the slip: a new start, or back to where one stopped."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "screening/online/start.html", {"form": forms.OnlineCodeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.OnlineCodeForm(request.POST)
        typed = form.data.get("code", "")
        if not page_allows(request, "online_address") or not page_allows(
            request, "online_code", online.code_hash(str(typed))
        ):
            message = _("Too many tries. Wait a little, then try again, or ask your teacher.")
            return _refused(request, message, status=429)
        outcome = self.submit(form, lambda: online.online_start(code=form.cleaned_data["code"]))
        if outcome.saved:
            request.session.cycle_key()
            request.session[SESSION_KEY] = outcome.value.pk
            return redirect("screening:online_question")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refused(request, outcome.error.message)
        return render(request, "screening/online/start.html", {"form": form}, status=400)


class OnlineQuestionView(ServiceFormMixin, View):
    """One question per screen; `?n=` goes back to an answered one. All answered: submit."""

    def get(self, request: HttpRequest) -> HttpResponse:
        session = _session(request)
        if session is None:
            return redirect("screening:online")
        if session.submitted_at is not None:
            return redirect("screening:online_thanks")
        if not session.code.window.is_open():
            return _refused(request, _("This code has expired: the class's time is over."))
        asked = online_questions.questions(session.code.window.campaign.instruments)
        index = self._index(request, session, asked)
        if index is None:
            return render(request, "screening/online/review.html", {"total": len(asked)})
        question = asked[index]
        initial = session.answers.get(question.key)
        form = forms.OnlineAnswerForm(
            initial={"answer": str(initial) if initial is not None else None},
            choices=list(question.choices),
        )
        return self._render(request, asked, index, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        session = _session(request)
        if session is None:
            return redirect("screening:online")
        if session.submitted_at is not None:
            return redirect("screening:online_thanks")
        asked = online_questions.questions(session.code.window.campaign.instruments)
        keys = [question.key for question in asked]
        key = request.POST.get("key", "")
        if key not in keys:
            return redirect("screening:online_question")
        index = keys.index(key)
        form = forms.OnlineAnswerForm(request.POST, choices=list(asked[index].choices))
        outcome = self.submit(
            form,
            lambda: online.online_answer(
                session_id=session.pk, key=key, value=form.cleaned_data["answer"]
            ),
        )
        if outcome.saved:
            return redirect("screening:online_question")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refused(request, outcome.error.message)
        return self._render(request, asked, index, form, status=400)

    @staticmethod
    def _index(request: HttpRequest, session: OnlineSession, asked: list[Any]) -> int | None:
        unanswered = [i for i, q in enumerate(asked) if q.key not in session.answers]
        first = unanswered[0] if unanswered else None
        wanted = request.GET.get("n", "")
        if wanted.isdecimal() and len(wanted) < 4:
            number = int(wanted) - 1
            if 0 <= number < len(asked) and (first is None or number <= first):
                return number
        return first

    @staticmethod
    def _render(request, asked, index, form, status=200):
        context = {
            "question": asked[index],
            "number": index + 1,
            "total": len(asked),
            "form": form,
            "percent": round(100 * index / len(asked)),
        }
        return render(request, "screening/online/question.html", context, status=status)


class OnlineSubmitView(ServiceFormMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        session = _session(request)
        if session is None:
            return redirect("screening:online")
        outcome = self.call_service(None, lambda: online.online_submit(session_id=session.pk))
        if outcome.saved:
            return redirect("screening:online_thanks")
        if outcome.error is not None and outcome.error.code in REFUSED_PAGES:
            return _refused(request, outcome.error.message)
        return redirect("screening:online_question")


class OnlineThanksView(View):
    """Thank you, and where help is: never a score, band or tier."""

    def get(self, request: HttpRequest) -> HttpResponse:
        session = _session(request)
        if session is None or session.submitted_at is None:
            return redirect("screening:online")
        context = {
            "crisis": online.is_crisis(session),
            "centre_line": settings.CENTRE_HELPLINE,
        }
        return render(request, "screening/online/thanks.html", context)


class OnlineOpenView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """Open the campaign online for a class: the sheet of slips, shown once, to print."""

    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        form = forms.OnlineOpenForm(request.POST, classes=selectors.campaign_classes(campaign))
        outcome = self.submit(
            form,
            lambda: online.online_open(
                actor=request.user, campaign=campaign, class_name=form.cleaned_data["class_name"]
            ),
        )
        if not outcome.saved:
            if outcome.error is not None:
                messages.error(request, str(outcome.error.message))
            else:
                messages.error(request, _("Choose a class."))
            return redirect("screening:campaign", campaign_id=campaign.pk)
        window, slips = outcome.value
        link = request.build_absolute_uri(reverse("screening:online"))
        audit_read(request, "screening.online_slips.viewed", window)
        context = {
            "campaign": campaign,
            "window": window,
            "link": link,
            "qr": online.qr_svg(link),
            "slips": [{"student": student, "code": _spaced(code)} for student, code in slips],
        }
        return render(request, "screening/online/slips.html", context)


class CampaignConsentView(RecordRoleRequiredMixin, ServiceFormMixin, View):
    """Record (or withdraw) the campaign's consent basis."""

    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, campaign_id: int) -> HttpResponse:
        campaign = selectors.get_campaign_for_user(user=request.user, campaign_id=campaign_id)
        basis = request.POST.get("basis", "")
        outcome = self.call_service(
            None,
            lambda: online.campaign_record_consent(
                actor=request.user, campaign=campaign, basis=basis
            ),
        )
        if outcome.saved:
            messages.success(request, _("The consent basis is recorded."))
        else:
            messages.error(request, str(outcome.error.message if outcome.error else ""))
        return redirect("screening:campaign", campaign_id=campaign.pk)


class OnlineCloseView(RecordRoleRequiredMixin, View):
    roles = CAMPAIGN_ROLES

    def post(self, request: SignedInRequest, window_id: int) -> HttpResponse:
        window = selectors.get_window_for_user(user=request.user, window_id=window_id)
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm closing the class online."))
            return redirect("screening:campaign", campaign_id=window.campaign_id)
        online.online_close(actor=request.user, window=window)
        messages.success(request, _("The class is closed online: its codes no longer work."))
        return redirect("screening:campaign", campaign_id=window.campaign_id)


def _spaced(code: str) -> str:
    """A code as printed: two groups of five, easier to copy."""
    return f"{code[:5]} {code[5:]}"
