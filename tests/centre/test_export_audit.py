"""The statistics downloads are audited like every other export (`centre.xlsx.xlsx_response`,
`centre.audit.audit_export`)."""

from __future__ import annotations

from centre.models import AuditEntry
from centre.monthly_report import monthly_report_build
from tests.support.accounts import sign_in


def test_the_statistics_export_and_a_monthly_report_download_are_audited(client, account):
    sign_in(client, "stats")
    answer = client.get("/statistics/export.xlsx", {"from": "2026-03", "to": "2026-04"})
    assert answer.status_code == 200
    export = AuditEntry.objects.get(action="centre.statistics.exported")
    assert export.actor == account("stats")
    assert export.data == {"file": "statistics-2026-03-2026-04-network.xlsx"}
    report = monthly_report_build()
    assert client.get(f"/statistics/reports/{report.pk}.xlsx").status_code == 200
    download = AuditEntry.objects.get(action="centre.monthly_report.exported")
    assert (download.target_type, download.target_id) == ("centre.monthlyreport", str(report.pk))
