"""The English name of what was served (`Invitation.title_en`), so that the console and the
rating pages show a work order's category in English; the invitations already made for work
orders get their category's English name (matched by the Chinese name they recorded)."""

from django.db import migrations, models


def fill_titles(apps, schema_editor):
    Invitation = apps.get_model("reviews", "Invitation")
    Category = apps.get_model("hotline", "Category")
    names = dict(Category.objects.exclude(name_en="").values_list("name_zh", "name_en"))
    for pk, title in (
        Invitation.objects.filter(event_kind="order", title_en="").values_list("pk", "title")
    ):
        if names.get(title):
            Invitation.objects.filter(pk=pk).update(title_en=names[title][:300])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_c12345_portal_channel"),
        ("hotline", "0007_route14_jurisdiction_registry"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="title_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="what was served (English)"
            ),
        ),
        migrations.RunPython(fill_titles, migrations.RunPython.noop),
    ]
