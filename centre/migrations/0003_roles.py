"""The roles, as groups with their model permissions (DESIGN.md §3)."""

from django.db import migrations

from centre.roles import sync_role_groups


def create_roles(apps, schema_editor):
    sync_role_groups(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("centre", "0002_audit_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
