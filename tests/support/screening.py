"""What the screening tests send as a clinician would."""

from __future__ import annotations


def referral_intake(task) -> dict[str, object]:
    """The intake form "Refer (green channel)" posts for a flagged student's task: the
    student's details as the page prefills them, a guardian and their consent."""
    return {
        "full_name": task.result.student.full_name,
        "date_of_birth": "2012-05-03",
        "school": task.result.campaign.school_id,
        "sex": "female",
        "guardian_relationship": "mother",
        "guardian_name": "家长",
        "guardian_phone": "13900000000",
        "consent_given_by": "guardian",
        "consent_version": "2026-01",
        "source": "screening",
        "presenting_concerns": "筛查阳性，转介",
        "risk_level": "moderate",
    }
