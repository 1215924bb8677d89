"""The message of insights (registered with `notify.templates`; imported by the app's
`ready()`): a hotspot raised for a department."""

from __future__ import annotations

from onestop.notify import templates

templates.register(
    templates.MessageTemplate(
        key="insights.hotspot",
        subject_zh="未诉先办：{place}的{category}诉求激增",
        body_zh=(
            "本周{place}的{category}诉求已有 {count} 件（此前 8 周平均每周 {baseline} 件）。"
            "可建立一项主动治理任务统一处理：{link}"
        ),
        subject_en="Act before people call: {category} requests spike in {place}",
        body_en=(
            "{count} requests about {category} came from {place} this week (the previous "
            "8 weeks averaged {baseline} a week). Open one proactive task to deal with them "
            "together: {link}"
        ),
    )
)
