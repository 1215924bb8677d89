"""The message templates: a registry of key → subject and body in Chinese and English.

Placeholders are `str.format` fields (``{number}``); every field a template names must be in
the context given to `services.notification_send`, or nothing is sent. Apps on higher floors
add their own templates with `register()` in their `AppConfig.ready()`.

Template text is bilingual data kept here (like catalogue names), not gettext: a message is
rendered when it is sent, in the recipient's language (stored as sent: what an SMS said), and
in each other language too, so a page shown in another language shows it in that one. A value
that differs by language (an item's name, a decision) is given as `Bilingual`; any other value
is the same in every language (a case number).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from onestop.core.errors import ValidationFailed


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str

    def fields(self) -> set[str]:
        """Every placeholder name used by any of the four texts."""
        names: set[str] = set()
        for text in (self.subject_zh, self.body_zh, self.subject_en, self.body_en):
            for _literal, field, _spec, _conv in string.Formatter().parse(text):
                if field is not None:
                    names.add(field.split(".", 1)[0].split("[", 1)[0])
        return names


@dataclass(frozen=True)
class Bilingual:
    """A context value in both languages (the English falls back to the Chinese)."""

    zh: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language.startswith("en") and self.en else self.zh

    @classmethod
    def of(cls, text: Any) -> Bilingual:
        """`text(language)` in each language: ``Bilingual.of(lambda lang: title(lang))``."""
        return cls(zh=str(text("zh-hans")), en=str(text("en")))


# The languages every message is rendered in (the portal's languages).
LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    body: str


_registry: dict[str, MessageTemplate] = {}


def register(template: MessageTemplate) -> None:
    """Add (or replace) a template; call from an AppConfig.ready()."""
    _registry[template.key] = template


def get(key: str) -> MessageTemplate:
    try:
        return _registry[key]
    except KeyError:
        raise ValidationFailed(
            _("There is no notification template named “%(key)s”.") % {"key": key},
            code="unknown_template",
        ) from None


def keys() -> list[str]:
    return sorted(_registry)


def _value(value: Any, language: str) -> str:
    """A context value in `language`: a `Bilingual`, or ``{"zh": ..., "en": ...}`` from an app
    on a lower floor (which cannot import this module), picks its own; anything else as is."""
    if isinstance(value, dict) and {"zh", "en"} <= set(value):
        value = Bilingual(zh=str(value["zh"]), en=str(value["en"]))
    if isinstance(value, Bilingual):
        return value.pick(language)
    return str(value)


def render(key: str, context: dict[str, Any], language: str) -> Rendered:
    """Render `key` in `language` ("en…" → English, anything else → Chinese).

    Raises `ValidationFailed` for an unknown template or a context without a field it needs.
    """
    template = get(key)
    missing = sorted(template.fields() - set(context))
    if missing:
        raise ValidationFailed(
            _("The notification template “%(key)s” needs these values: %(fields)s.")
            % {"key": key, "fields": ", ".join(missing)},
            code="missing_context",
            details={"missing": missing},
        )
    values = {name: _value(context[name], language) for name in template.fields()}
    if language.startswith("en"):
        return Rendered(
            "en", template.subject_en.format(**values), template.body_en.format(**values)
        )
    return Rendered(
        "zh-hans", template.subject_zh.format(**values), template.body_zh.format(**values)
    )


for _template in (
    MessageTemplate(
        key="hotline.received",
        subject_zh="12345 已受理您的诉求",
        body_zh="您的诉求已受理，工单编号 {number}。我们将按时限办理并答复您。",
        subject_en="12345 has received your request",
        body_en=(
            "We have received your request; its number is {number}. We will handle it "
            "within the time limit and reply to you."
        ),
    ),
    MessageTemplate(
        key="hotline.replied",
        subject_zh="您的 12345 诉求已答复",
        body_zh="您的诉求 {number} 已由{department}答复：{reply}",
        subject_en="Your 12345 request has a reply",
        body_en="{department} has replied to your request {number}: {reply}",
    ),
    MessageTemplate(
        key="hotline.callback",
        subject_zh="12345 回访",
        body_zh=("我们已就您的诉求 {number} 进行回访，感谢您的评价。如您不满意，诉求已重新交办。"),
        subject_en="12345 follow-up call",
        body_en=(
            "We have followed up on your request {number}. Thank you for your feedback; if you "
            "were not satisfied, the request has been handed back for handling again."
        ),
    ),
    MessageTemplate(
        key="case.submitted",
        subject_zh="申请已提交",
        body_zh="您申请的“{item}”已提交，办件编号 {number}。",
        subject_en="Application submitted",
        body_en="Your application for “{item}” has been submitted; its number is {number}.",
    ),
    MessageTemplate(
        key="case.supplement_requested",
        subject_zh="请补正材料",
        body_zh="您的办件 {number}（{item}）需要补正材料：{materials}。请在 {deadline} 前补齐。",
        subject_en="Please supply missing materials",
        body_en=(
            "Your application {number} ({item}) needs these materials: {materials}. "
            "Please supply them by {deadline}."
        ),
    ),
    MessageTemplate(
        key="case.decided",
        subject_zh="办件已作出决定",
        body_zh="您的办件 {number}（{item}）已作出决定：{decision}。",
        subject_en="A decision on your application",
        body_en="A decision has been made on your application {number} ({item}): {decision}.",
    ),
    MessageTemplate(
        key="case.posted",
        subject_zh="办理结果已寄出",
        body_zh="您的办件 {number}（{item}）的办理结果已邮寄，快递单号 {tracking_number}。",
        subject_en="Your result has been posted",
        body_en=(
            "The result of your application {number} ({item}) has been posted; the tracking "
            "number is {tracking_number}."
        ),
    ),
    MessageTemplate(
        key="credential.issued",
        subject_zh="电子证照已发放",
        body_zh="“{licence_zh}”（编号 {number}）已发放到您的电子证照夹。",
        subject_en="An e-licence has been issued to you",
        body_en="Your e-licence “{licence_en}” (number {number}) is in your wallet.",
    ),
    MessageTemplate(
        key="case.delivered",
        subject_zh="办理结果已送达",
        body_zh="您的办件 {number}（{item}）的办理结果已送达：{method}。",
        subject_en="Your result has been delivered",
        body_en="The result of your application {number} ({item}) has been delivered: {method}.",
    ),
):
    register(_template)
