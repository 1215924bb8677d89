from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onestop.accounts.policies import staff_regions
from onestop.core.errors import DomainError
from onestop.sharing import policies, selectors, services
from onestop.sharing.models import Dataset, DatasetSource


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("key", "name_zh", "provider_kind", "sensitivity", "subject", "basis")
    list_filter = ("provider_kind", "sensitivity", "basis")
    search_fields = ("key", "name_zh", "name_en")


SOURCE_FORM_FIELDS = ["dataset", "region", "kind", *services.SOURCE_FIELDS]


class DatasetSourceForm(forms.ModelForm):
    """The token or password is write-only: typed here, stored encrypted, never shown back."""

    base_url = forms.URLField(
        label=_("base URL"), required=False, max_length=300, assume_scheme="https"
    )
    new_secret = forms.CharField(
        label=_("Token or password"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the stored one."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    peers = forms.CharField(
        label=_("peer regions"),
        required=False,
        max_length=200,
        help_text=_(
            "For peer nodes: the region codes of the peers holding the records this node "
            "does not hold, separated by spaces, asked in this order."
        ),
    )

    class Meta:
        model = DatasetSource
        fields = SOURCE_FORM_FIELDS

    actor: Any = None
    configured: DatasetSource | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and isinstance(self.instance.peers, list):
            self.initial["peers"] = " ".join(self.instance.peers)

    def clean_peers(self) -> list[str]:
        return str(self.cleaned_data.get("peers") or "").replace(",", " ").split()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        secret = "" if data.get("clear_secret") else (data.get("new_secret") or None)
        values = {name: data[name] for name in services.SOURCE_FIELDS if name in data}
        dataset = data.get("dataset") or self.instance.dataset
        region = data.get("region") or self.instance.region
        try:
            self.configured = services.source_configure(
                actor=self.actor,
                dataset=dataset.pk,
                kind=data.get("kind") or DatasetSource.Kind.LOCAL,
                region=region.pk if region is not None else None,
                secret=secret,
                **values,
            )
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return data

    def validate_unique(self) -> None:
        pass  # saved by `services.source_configure` in clean()


@admin.register(DatasetSource)
class DatasetSourceAdmin(admin.ModelAdmin):
    """Where a dataset is read from (docs/sharing.md "Department systems"). Region
    administrators see and change the sources of their regions; every change goes through
    `services.source_configure` (checked, the secret encrypted, applied at once)."""

    form = DatasetSourceForm
    list_display = ("dataset", "kind", "base_url", "auth", "region", "updated_at")
    list_filter = ("kind", "auth")
    fields = [*SOURCE_FORM_FIELDS, "new_secret", "clear_secret"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DatasetSource]:
        return selectors.dataset_source_list(actor=request.user)

    def _manages_any(self, request: HttpRequest) -> bool:
        user = request.user
        return policies.can(user, policies.Action.DATASET_MANAGE) or any(
            policies.can(user, policies.Action.SOURCE_MANAGE, code) for code in staff_regions(user)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._manages_any(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._manages_any(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._manages_any(request)
        return policies.can(request.user, policies.Action.SOURCE_MANAGE, obj.region_id)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # back to this node's records: kind "local"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["dataset"] if obj is not None else []

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change, **kwargs)

        class Form(base):  # type: ignore[misc, valid-type]
            actor = request.user

        return Form

    def save_model(self, request: HttpRequest, obj: DatasetSource, form: Any, change: bool) -> None:
        configured = getattr(form, "configured", None)
        if configured is None:
            return
        for model_field in DatasetSource._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(configured, model_field.attname))
        obj._state.adding = False
