"""The knowledge base (articles and FAQ) and the search index over it and the catalogue.

`SearchDocument`: one row per searchable catalogue item, scenario or knowledge article of a
region.

The rows are derived data, rebuilt from the catalogue by `services.index_rebuild`. Full-text
search runs over `tokens` (jieba-split words, space-joined): an FTS5 table on SQLite and a
generated tsvector with a GIN index on PostgreSQL, both created by migration 0002.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        SCENARIO = "scenario", _("Scenario")
        ARTICLE = "article", _("Article")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    ref = models.CharField(_("item code, scenario slug or article slug"), max_length=80)
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
    # The embedding scheme and a hash of the texts the embedding was computed from
    # (services.semantic_key): when either changes, the next rebuild re-encodes the document.
    semantic_key = models.CharField(_("embedding source key"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["region", "kind", "ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "ref"], name="knowledge_searchdocument_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "kind"]),
            # The search's per-query freshness check (count, latest update, highest id of the
            # region's documents) reads this index only, not the rows with their embeddings.
            models.Index(fields=["region", "updated_at", "id"], name="knowledge_sd_signature"),
        ]
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"

    def title(self, lang: str) -> str:
        if lang.startswith("en") and self.title_en:
            return self.title_en
        return self.title_zh


class Article(models.Model):
    """A knowledge-base article or FAQ entry, bilingual, citing its source.

    Only a published article inside its effective dates is searchable or shown
    (`selectors.article_visible`). `region` empty means every region. The body is plain text
    with a little Markdown (paragraphs, "- " lists, **bold**), rendered with HTML escaped.
    """

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        FAQ = "faq", _("Frequently asked question")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    region = models.ForeignKey(
        "org.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region (empty: every region)"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FAQ)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    question_zh = models.CharField(_("question (Chinese)"), max_length=300, blank=True)
    question_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    body_zh = models.TextField(_("body (Chinese)"))
    body_en = models.TextField(_("body (English)"), blank=True)
    source = models.CharField(
        _("source (issuing document or department, as a citation)"), max_length=300
    )
    department_kind = models.ForeignKey(
        "org.DepartmentKind",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department kind"),
    )
    related_items = models.JSONField(_("related item codes"), default=list, blank=True)
    related_scenarios = models.JSONField(_("related scenario slugs"), default=list, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="knowledge_article_effective_dates",
            ),
        ]
        indexes = [models.Index(fields=["status", "region"])]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")

    def __str__(self) -> str:
        return self.slug

    def _pick(self, field: str, lang: str) -> str:
        english = str(getattr(self, f"{field}_en") or "")
        if lang.startswith("en") and english:
            return english
        return str(getattr(self, f"{field}_zh") or "")

    def title(self, lang: str) -> str:
        return self._pick("title", lang)

    def question(self, lang: str) -> str:
        return self._pick("question", lang)

    def body(self, lang: str) -> str:
        return self._pick("body", lang)
