"""The messages of the reviews app (registered with `notify.templates`; imported by the app's
`ready()`): the invitation to rate, and each step of a bad review's rectification."""

from __future__ import annotations

from onestop.notify import templates

for _template in (
    templates.MessageTemplate(
        key="reviews.invited",
        subject_zh="请评价本次服务",
        body_zh="您的事项 {number} 已办结。请对本次服务作出评价（好差评）：{link}",
        subject_en="Please rate this service",
        body_en="Your matter {number} is finished. Please rate the service you received: {link}",
    ),
    templates.MessageTemplate(
        key="reviews.bad_received",
        subject_zh="收到差评，请整改",
        body_zh=(
            "{number} 收到差评。请于 {callback_due} 前回访评价人，并于 {due} 前完成整改、反馈结果。"
        ),
        subject_en="A bad review to rectify",
        body_en=(
            "{number} received a bad review. Call the reviewer back by {callback_due} and send "
            "the result of the rectification by {due}."
        ),
    ),
    templates.MessageTemplate(
        key="reviews.result",
        subject_zh="差评整改结果",
        body_zh="您对 {number} 的评价已整改：{result} 请确认是否认可整改结果：{link}",
        subject_en="The result of the rectification",
        body_en=(
            "Your review of {number} has been acted on: {result} Tell us whether you accept "
            "it: {link}"
        ),
    ),
    templates.MessageTemplate(
        key="reviews.asked_again",
        subject_zh="评价人不认可整改结果",
        body_zh="{number} 的评价人不认可整改结果，请于 {due} 前再次整改。",
        subject_en="The reviewer did not accept the result",
        body_en="The reviewer of {number} did not accept the result; rectify again by {due}.",
    ),
    templates.MessageTemplate(
        key="reviews.warned",
        subject_zh="差评整改即将超期",
        body_zh="{number} 的差评整改已用去时限的 80% 以上，请于 {due} 前反馈整改结果。",
        subject_en="A rectification is close to its limit",
        body_en=(
            "The rectification of the bad review of {number} has used more than 80% of its "
            "limit; send the result by {due}."
        ),
    ),
    templates.MessageTemplate(
        key="reviews.callback_overdue",
        subject_zh="差评未按时回访",
        body_zh="{number} 的差评应于 {callback_due} 前回访评价人，至今未回访，请督办。",
        subject_en="A bad review was not called back in time",
        body_en=(
            "The reviewer of {number} should have been called back by {callback_due} and has "
            "not been; please follow it up."
        ),
    ),
    templates.MessageTemplate(
        key="reviews.escalated",
        subject_zh="差评整改超期督办",
        body_zh="{number} 的差评整改已超过时限（应于 {due} 前完成），请督办。",
        subject_en="Overdue rectification escalated",
        body_en=(
            "The rectification of the bad review of {number} is past its limit (due {due}); "
            "please follow it up."
        ),
    ),
    templates.MessageTemplate(
        key="reviews.appealed",
        subject_zh="差评申诉待复核",
        body_zh="{department}对 {number} 的差评提出申诉，请复核。",
        subject_en="An appeal against a review to decide",
        body_en="{department} appealed against the review of {number}; please decide it.",
    ),
    templates.MessageTemplate(
        key="reviews.voided",
        subject_zh="差评申诉复核结果",
        body_zh="经复核，您对 {number} 的评价不予计入。理由：{reason}",
        subject_en="Decision on an appeal against your review",
        body_en="After review, your rating of {number} no longer counts. Reason: {reason}",
    ),
    templates.MessageTemplate(
        key="reviews.upheld",
        subject_zh="差评申诉复核结果",
        body_zh="经复核，{number} 的差评维持有效，请继续整改。理由：{reason}",
        subject_en="Decision on an appeal against a review",
        body_en=(
            "After review, the bad review of {number} stands; go on rectifying. Reason: {reason}"
        ),
    ),
):
    templates.register(_template)
