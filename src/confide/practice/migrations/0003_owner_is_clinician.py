from typing import Any

from django.db import migrations, models


def owners_keep_treating(apps: Any, schema_editor: Any) -> None:
    """Owners of existing practices could be named primary clinician before; they still can."""
    Membership = apps.get_model("practice", "Membership")
    Membership.objects.filter(role="owner").update(owner_is_clinician=True)


class Migration(migrations.Migration):

    dependencies = [
        ("practice", "0002_late_entry_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="owner_is_clinician",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(owners_keep_treating, migrations.RunPython.noop),
    ]
