from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from onestop.core.errors import DomainError
from onestop.open311 import services
from onestop.open311.models import ApiClient, PublicService


class ApiClientAddForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "contact", "region", "public_reads"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Issue keys here: the clear key is shown once, in the message after saving."""

    list_display = ["name", "region", "key_prefix", "active", "public_reads", "created_at"]
    list_filter = ["active", "region"]
    search_fields = ["name", "contact"]
    readonly_fields = [
        "name",
        "contact",
        "region",
        "key_prefix",
        "account",
        "active",
        "public_reads",
        "created_at",
    ]
    actions = ["deactivate"]

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = ApiClientAddForm
        base = super().get_form(request, obj, change, **kwargs)

        class IssueForm(base):  # type: ignore[misc, valid-type]
            """Issues the client while validating, so a refusal shows as a form error."""

            issued: tuple[ApiClient, str] | None = None

            def clean(self) -> dict[str, Any]:
                data: dict[str, Any] = super().clean()
                if self.errors:
                    return data
                try:
                    self.issued = services.client_create(
                        actor=request.user,
                        name=data.get("name", ""),
                        contact=data.get("contact", ""),
                        region=data.get("region", ""),
                        public_reads=bool(data.get("public_reads")),
                    )
                except DomainError as exc:
                    raise forms.ValidationError(str(exc.message)) from exc
                return data

            def validate_unique(self) -> None:
                pass  # the client exists already: it was issued in clean()

        return IssueForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ApiClientAddForm.Meta.fields
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change or getattr(form, "issued", None) is None:
            return  # clients are immutable here; revoke with the action
        client, key = form.issued
        for model_field in ApiClient._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(client, model_field.attname))
        obj._state.adding = False
        self.message_user(
            request,
            _("The api_key of %(name)s is %(key)s. Store it now: it is not shown again.")
            % {"name": client.name, "key": key},
            messages.WARNING,
        )

    @admin.action(description=gettext_lazy("Deactivate the selected clients (revoke their keys)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        done = 0
        for client in queryset:
            try:
                services.client_deactivate(actor=request.user, client=client)
                done += 1
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d client deactivated.", "%(count)d clients deactivated.", done)
            % {"count": done},
        )


@admin.register(PublicService)
class PublicServiceAdmin(admin.ModelAdmin):
    """Which services' request texts readers without a key may see (none by default)."""

    list_display = ["service", "public", "updated_at"]
    list_filter = ["public"]
    readonly_fields = ["updated_at"]
