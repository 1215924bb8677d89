"""The search index: one row per searchable catalogue item or scenario of a region.

The rows are derived data, rebuilt from the catalogue by `services.index_rebuild`. Full-text
search runs over `tokens` (jieba-split words, space-joined): an FTS5 table on SQLite and a
generated tsvector with a GIN index on PostgreSQL, both created by migration 0002.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        SCENARIO = "scenario", _("Scenario")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    ref = models.CharField(_("item code or scenario slug"), max_length=80)
    region = models.CharField(_("region code"), max_length=6)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    tokens = models.TextField(_("search tokens"), blank=True)
    bundles = models.JSONField(
        _("scenario bundles (for an item: the slugs of the scenarios that include it)"),
        default=list,
        blank=True,
    )
    embedding = models.BinaryField(_("embedding (float32)"), blank=True, default=b"")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["region", "kind", "ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "ref"], name="knowledge_searchdocument_unique"
            ),
        ]
        indexes = [models.Index(fields=["region", "kind"])]
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"

    def title(self, lang: str) -> str:
        if lang.startswith("en") and self.title_en:
            return self.title_en
        return self.title_zh
