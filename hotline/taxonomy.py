"""The call-log issue taxonomy (DOMAIN §3.3, Child Helpline International via Aselo, with the
China additions): categories → subcategories, codes stored on `CallIssue`, labels in zh/en."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Label = str | Promise

CATEGORIES: Mapping[str, Label] = {
    "missing_children": _("Missing children"),
    "violence": _("Violence"),
    "online_harms": _("Online harms"),
    "mental_health": _("Mental health"),
    "physical_health": _("Physical health"),
    "accessibility": _("Access to services"),
    "discrimination": _("Discrimination and exclusion"),
    "family": _("Family relationships"),
    "peers": _("Peer relationships"),
    "education": _("Education and occupation"),
    "sexuality": _("Sexuality"),
    "non_counselling": _("Non-counselling contacts"),
}

SUBCATEGORIES: Mapping[str, Mapping[str, Label]] = {
    "missing_children": {
        "abduction": _("Child abduction"),
        "lost": _("Lost or unaccounted for"),
        "runaway": _("Runaway"),
        "unspecified": _("Unspecified"),
    },
    "violence": {
        "bullying": _("Bullying (including school bullying)"),
        "forced_marriage": _("Child, early or forced marriage"),
        "child_labour": _("Child labour"),
        "sexual_exploitation_offline": _("Commercial sexual exploitation (offline)"),
        "harmful_practices": _("Harmful traditional practices"),
        "emotional_violence": _("Mental or emotional violence"),
        "neglect": _("Neglect"),
        "online_sexual_abuse": _("Online sexual abuse"),
        "online_sexual_exploitation": _("Online sexual exploitation"),
        "physical_violence": _("Physical violence"),
        "sexual_violence": _("Sexual violence"),
        "sexual_harassment": _("Sexual harassment"),
        "unspecified": _("Unspecified"),
    },
    "online_harms": {
        "cyberbullying": _("Cyberbullying"),
        "sextortion": _("Sextortion"),
        "grooming": _("Grooming"),
        "pornography": _("Exposure to pornography"),
        "privacy": _("Invasion of privacy"),
        "impersonation": _("Impersonation"),
        "hacking": _("Hacking"),
        "online_addiction": _("Online addiction"),
        "other": _("Other"),
    },
    "mental_health": {
        "substance_use": _("Addictive behaviours and substance use"),
        "behaviour": _("Behavioural problems"),
        "self_concerns": _("Concerns about the self"),
        "anger": _("Emotional distress – anger"),
        "fear_anxiety": _("Emotional distress – fear and anxiety"),
        "mood": _("Emotional distress – mood"),
        "neurodevelopmental": _("Neurodevelopmental concerns"),
        "eating": _("Eating-behaviour problems"),
        "self_harm": _("Self-harming behaviour"),
        "suicidal": _("Suicidal thoughts and suicide attempts"),
        "trauma": _("Traumatic distress"),
        "unspecified": _("Unspecified"),
    },
    "physical_health": {
        "general": _("General medical or lifestyle"),
        "sexual_reproductive": _("Sexual and reproductive health"),
        "pregnancy": _("Pregnancy"),
        "nutrition": _("Nutrition"),
        "unspecified": _("Unspecified"),
    },
    "accessibility": {
        "education": _("Education"),
        "essential_needs": _("Essential needs"),
        "healthcare": _("General healthcare"),
        "legal": _("Legal services"),
        "mental_health_services": _("Mental-health services"),
        "sexual_health_services": _("Sexual-health services"),
        "socio_economic": _("Socio-economic services"),
        "unspecified": _("Unspecified"),
    },
    "discrimination": {
        "ethnicity": _("Ethnicity or nationality"),
        "financial": _("Financial situation"),
        "gender": _("Gender"),
        "orientation_identity": _("Gender identity or sexual orientation"),
        "health": _("Health"),
        "beliefs": _("Philosophical or religious beliefs"),
        "unspecified": _("Unspecified"),
    },
    "family": {
        "placement": _("Adoption, fostering or extended-family placement"),
        "caregiver": _("Relationship to caregiver"),
        "family_health": _("Family health and wellbeing"),
        "siblings": _("Siblings"),
        "parental_conflict": _("Parental conflict or divorce"),
        "left_behind": _("Left-behind or migrant-child care"),
        "unspecified": _("Unspecified"),
    },
    "peers": {
        "friends": _("Friends"),
        "partner": _("Partner relationships"),
        "classmates": _("Classmates"),
        "unspecified": _("Unspecified"),
    },
    "education": {
        "academic": _("Academic issues (study pressure, exam anxiety)"),
        "teacher_school": _("Teacher and school problems"),
        "school_refusal": _("School refusal"),
        "work": _("Problems at work"),
        "unspecified": _("Unspecified"),
    },
    "sexuality": {
        "orientation_identity": _("Sexual orientation and gender identity"),
        "behaviours": _("Sexual behaviours"),
        "unspecified": _("Unspecified"),
    },
    "non_counselling": {
        "complaint": _("Complaint about the helpline"),
        "parent_question": _("Question by a parent"),
        "helpline_question": _("Question about the helpline"),
        "other_services": _("Question about other services"),
        "thanks": _("Thank you"),
        "unspecified": _("Unspecified"),
    },
}

MAX_ISSUES = 3


def is_valid(category: str, subcategory: str) -> bool:
    return subcategory in SUBCATEGORIES.get(category, {})


def category_choices() -> list[tuple[str, Label]]:
    return list(CATEGORIES.items())


def subcategory_choices() -> list[tuple[str, Label]]:
    """Every pair as "category:subcategory", for one select per issue."""
    return [
        (f"{category}:{code}", label)
        for category, subs in SUBCATEGORIES.items()
        for code, label in subs.items()
    ]


def label(category: str, subcategory: str = "") -> str:
    name = str(CATEGORIES.get(category, category))
    if subcategory:
        return f"{name} – {SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)}"
    return name
