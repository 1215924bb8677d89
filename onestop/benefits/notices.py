"""The messages of the benefits app (registered with `notify.templates`; imported by the app's
`ready()`): an offer to confirm, a benefit granted with nothing to do, a confirmation."""

from __future__ import annotations

from onestop.notify import templates

for _template in (
    templates.MessageTemplate(
        key="benefits.offered",
        subject_zh="您可享受：{benefit}",
        body_zh=(
            "根据政府已掌握的信息，您符合“{benefit}”的条件，无需申请。{action}"
            "请在“我的空间”一键确认或选择不再提醒：{link}"
        ),
        subject_en="A benefit for you: {benefit}",
        body_en=(
            "From records the government already holds, you qualify for “{benefit}” without "
            "applying. {action} Confirm with one click, or opt out, in your space: {link}"
        ),
    ),
    templates.MessageTemplate(
        key="benefits.granted",
        subject_zh="已为您开通：{benefit}",
        body_zh="根据政府已掌握的信息，已为您开通“{benefit}”。{action}详情见“我的空间”：{link}",
        subject_en="Now yours: {benefit}",
        body_en=(
            "From records the government already holds, “{benefit}” is now yours. {action} "
            "Details in your space: {link}"
        ),
    ),
    templates.MessageTemplate(
        key="benefits.confirmed",
        subject_zh="已确认：{benefit}",
        body_zh="您已确认“{benefit}”，主管部门将据此办理，结果会发送到“我的空间”：{link}",
        subject_en="Confirmed: {benefit}",
        body_en=(
            "You confirmed “{benefit}”. The department handles it now and sends the result "
            "to your space: {link}"
        ),
    ),
    templates.MessageTemplate(
        key="benefits.paid",
        subject_zh="已发放：{benefit}",
        body_zh="“{benefit}”已由主管部门发放到位。详情见“我的空间”：{link}",
        subject_en="Paid: {benefit}",
        body_en="The department has paid (or delivered) “{benefit}”. Details in your space: {link}",
    ),
):
    templates.register(_template)
