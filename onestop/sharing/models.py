from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BilingualNameMixin, TimeStampedModel


class Dataset(BilingualNameMixin, TimeStampedModel):
    """An authoritative dataset held by a kind of department (see data/seed/datasets.json)."""

    class Basis(models.TextChoices):
        LAW = "law", _("Legal basis")
        CONSENT = "consent", _("Consent of the data subject")

    key = models.SlugField(_("key"), max_length=60, primary_key=True)
    provider_kind = models.ForeignKey(
        "org.DepartmentKind", on_delete=models.PROTECT, related_name="+"
    )
    sensitivity = models.CharField(_("sensitivity"), max_length=30)
    subject = models.CharField(_("subject"), max_length=20)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    fields = models.JSONField(_("fields"), default=list)

    class Meta:
        ordering = ["key"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
