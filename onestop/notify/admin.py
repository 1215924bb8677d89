from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from onestop.accounts.admin_scope import PersonalData, RegionScopedAdminMixin
from onestop.core.errors import DomainError
from onestop.notify import policies, services
from onestop.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Delivery status at a glance; the destination is shown masked only. An administrator
    sees (and resends) the notifications of their regions (`policies.scope_q`); opening one
    is a recorded access to the recipient's data."""

    personal_data = PersonalData(
        "notify.notification", "recipient.resident_id_index", ("subject", "body")
    )

    def scope_q(self, request: HttpRequest) -> Q:
        return policies.scope_q(request.user)

    list_display = [
        "created_at",
        "channel",
        "template",
        "recipient",
        "destination_masked",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "channel", "template"]
    search_fields = ["template", "dedupe_key", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    exclude = ["destination_enc"]
    readonly_fields = [
        "recipient",
        "channel",
        "destination_masked",
        "template",
        "language",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "provider_ref",
        "dedupe_key",
        "created_at",
        "sent_at",
        "read_at",
    ]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send the selected failed notifications again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        done = 0
        for notification in queryset.filter(status=Notification.Status.FAILED):
            try:
                services.notification_resend(actor=request.user, notification=notification)
            except DomainError as error:
                self.message_user(request, str(error.message), messages.ERROR)
                return
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )
