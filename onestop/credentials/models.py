from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.core.models import BilingualNameMixin, TimeStampedModel


class LicenceType(BilingualNameMixin, TimeStampedModel):
    """A type of e-licence (see data/seed/licence_types.json)."""

    key = models.SlugField(_("key"), max_length=60, primary_key=True)
    issuer_kind = models.ForeignKey(
        "org.DepartmentKind", on_delete=models.PROTECT, related_name="+"
    )
    dataset = models.CharField(_("backing dataset"), max_length=60, blank=True)
    trust_level = models.CharField(_("trust level"), max_length=1, default="A")

    class Meta:
        ordering = ["key"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
