"""The ledger's notification template (registered with `notify.templates` from `ready()`): the
split-view alarm sent to the node's region administrators."""

from onestop.notify import templates as notify_templates

SPLIT_VIEW = "ledger.split_view"

notify_templates.register(
    notify_templates.MessageTemplate(
        key=SPLIT_VIEW,
        subject_zh="账本分叉告警：{origin}",
        body_zh=(
            "见证检查发现日志 {origin} 出现两个互不一致的视图（相关方：{counterpart}）："
            "此前已联署的规模为 {known_size}，收到的检查点规模为 {offered_size}，两者不一致。"
            "这可能意味着该日志的签名密钥被盗用或日志被改写。请立即核查（onestop witness alarms）。"
        ),
        subject_en="Ledger split view: {origin}",
        body_en=(
            "Witnessing found two inconsistent views of the log {origin} (counterpart: "
            "{counterpart}): the size cosigned before is {known_size}, the checkpoint offered "
            "has size {offered_size}, and they are not consistent. The log's signing key may have "
            "been misused or the log rewritten. Check at once (onestop witness alarms)."
        ),
    )
)
