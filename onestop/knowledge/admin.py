from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onestop.core.errors import DomainError
from onestop.knowledge import services
from onestop.knowledge.models import Article, SearchDocument


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "title_zh",
        "kind",
        "region",
        "status",
        "effective_from",
        "effective_until",
    )
    list_filter = ("status", "kind", "region", "department_kind")
    search_fields = ("slug", "title_zh", "title_en", "question_zh", "question_en", "source")
    readonly_fields = (
        "status",
        "published_at",
        "published_by",
        "created_by",
        "created_at",
        "updated_at",
    )
    actions = ["publish"]

    def save_model(self, request: HttpRequest, obj: Article, form: object, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        # The index follows the article (added, changed, or dropped when no longer visible).
        services.index_article(obj)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        slug = obj.slug
        super().delete_model(request, obj)
        SearchDocument.objects.filter(kind=SearchDocument.Kind.ARTICLE, ref=slug).delete()

    @admin.action(description=_("Publish the selected articles"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            try:
                services.article_publish(actor=request.user, article=article)
            except DomainError as exc:
                self.message_user(request, f"{article.slug}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Published %(slug)s.") % {"slug": article.slug})
