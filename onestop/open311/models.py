"""Tables of the Open311 gateway: the API clients that may file requests.

A client's key is stored only as its SHA-256 hash; the clear key is shown once, when it is
issued. Each client acts through its own service account (a hotline agent of its region).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """An application allowed to file 12345 requests through Open311 (`api_key`)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    region = models.CharField(_("region"), max_length=6)
    key_hash = models.CharField(_("key (SHA-256)"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="open311_client",
        verbose_name=_("service account"),
    )
    active = models.BooleanField(_("active"), default=True)
    public_reads = models.BooleanField(
        _("serves keyless reads"),
        default=False,
        help_text=_("GET requests without an api_key read the work orders this client may see."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["public_reads"],
                condition=Q(public_reads=True),
                name="open311_one_public_reader",
            ),
        ]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name


class PublicService(models.Model):
    """A service (hotline level-2 category) whose requests keyless readers may read in full
    text: description and address. Without a row, a GET without an API key gets the request
    with its description and address withheld (complaints name neighbours, shops, people).
    Coordinates are rounded to about 100 m for every keyless reader either way."""

    service = models.OneToOneField(
        "hotline.Category",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("service"),
    )
    public = models.BooleanField(
        _("texts public"),
        default=False,
        help_text=_("Readers without an API key see the description and address of requests."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["service"]
        verbose_name = _("service publication")
        verbose_name_plural = _("service publications")

    def __str__(self) -> str:
        return str(self.service_id)
