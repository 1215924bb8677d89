"""One 12345 work order through its whole life in the browser: the agent takes the call and
accepts the suggested department with Alt+Shift+1; that department's officer returns it with a
reason; the supervisor upholds the return and re-dispatches it; the new officer signs for it,
handles it and replies; the supervisor records the callback, which closes it, and turns the
reply into a draft knowledge article. axe checks every screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import sign_in as _login

PASSWORD = "onestop-demo-2026"  # the demo seed's development password
HR = "371121-human-resources-social-security"
PS = "371121-public-security"
# Wages owed, with a threat of violence: the model routes it to human resources (wages); that
# department returns it as a police matter, and the supervisor sends it to public security.
CALL = "公司拖欠我三个月工资，老板还威胁要打人"
# A complaint (no knowledge-base search) from call to callback: no cases, e-licences, Open311.
pytestmark = pytest.mark.seed_skip(
    "cases-demo", "credentials", "sharing-demo", "open311", "insights-demo"
)


def _order(number: str):
    from onestop.accounts.models import User
    from onestop.hotline import selectors

    return selectors.ticket_get(actor=User.objects.get(username="admin"), number=number)


def _take_the_call(page, base: str, axe) -> str:
    """The agent takes the call; the suggestion comes while typing; Alt+Shift+1 accepts it."""
    _login(page, base, "agent")
    page.goto(base + "/hotline/desk/")
    axe.check(page)
    page.locator("#f-request-type").select_option("complaint")
    with page.expect_response(re.compile(r"/hotline/desk/suggest$"), timeout=60_000) as got:
        page.locator("#f-description").fill(CALL)
        page.locator("#f-description").press("End")
    assert got.value.status == 200
    accept = page.locator("#suggestions button[data-accept]").first
    expect(accept).to_be_visible()
    expect(accept).to_have_attribute("value", re.compile(rf"^labor\.wage-arrears\|{HR}$"))
    axe.check(page)
    page.locator("#f-description").focus()
    page.keyboard.press("Alt+Shift+1")
    expect(page.locator("#f-department")).to_have_value(HR)
    expect(page.locator("#f-category")).to_have_value("labor.wage-arrears")
    page.locator("#f-contact-name").fill("王先生")
    page.locator("#f-contact-phone").fill("13800138000")
    page.locator("#f-township").fill("洪凝街道")
    page.locator("#desk-submit").click()
    page.wait_for_url(re.compile(r"/hotline/desk/\?created="))
    number = page.url.rsplit("=", 1)[1]
    expect(page.locator("#desk-created")).to_contain_text(number)
    axe.check(page)
    return number


def _return_it(page, base: str, axe, number: str) -> None:
    """Human resources finds it in its queue and returns it, with a reason."""
    _login(page, base, "officer-hr")
    page.goto(base + "/hotline/department/")
    expect(page.locator("#queue")).to_contain_text(number)
    axe.check(page)
    page.locator(f"#queue a[href='/hotline/orders/{number}/']").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    axe.check(page)
    page.locator("#return-reason").fill("老板威胁人身安全，属公安管辖。")
    page.locator("form[action$='/return/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    expect(page.locator(".usa-alert--success")).to_be_visible()


def _arbitrate(page, base: str, axe, number: str) -> None:
    """The supervisor upholds the return and re-dispatches to public security."""
    _login(page, base, "supervisor")
    page.goto(base + "/hotline/supervisor/")
    expect(page.locator("#returned")).to_contain_text(number)
    axe.check(page)
    page.locator(f"#arb-dept-{number}").select_option(PS)
    page.locator(f"#returned form[action*='{number}'] button[value=uphold]").click()
    page.wait_for_url(re.compile(r"/hotline/supervisor/$"))
    expect(page.locator(".usa-alert--success")).to_be_visible()
    axe.check(page)


def _handle(page, base: str, axe, number: str) -> None:
    """Public security signs for it, starts and replies."""
    _login(page, base, "officer-ps")
    page.goto(base + f"/hotline/orders/{number}/")
    axe.check(page)
    page.locator("form[action$='/sign_for/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    axe.check(page)
    page.locator("#reply-text").fill("已联系当事人并约谈老板，工资已于周五结清。")
    page.locator("form[action$='/reply/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    expect(page.locator("#order-reply")).to_contain_text("工资已于周五结清")


def _call_back(page, base: str, axe, number: str) -> None:
    """The supervisor calls the citizen back: satisfied and resolved."""
    _login(page, base, "supervisor")
    page.goto(base + f"/hotline/orders/{number}/")
    axe.check(page)
    page.locator("form[action$='/callback/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    from django.utils import translation

    from onestop.hotline.models import EVENT_LABELS

    with translation.override("zh-hans"):  # the event by its name, not its key
        expect(page.locator("#timeline")).to_contain_text(str(EVENT_LABELS["callback"]))
    axe.check(page)


def _article(page, base: str, axe, number: str) -> None:
    """The supervisor turns the reply of the closed order into a draft knowledge article."""
    page.goto(base + f"/hotline/orders/{number}/")
    page.locator("#reply-to-article").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/article/$"))
    expect(page.locator("#article-body")).to_have_value(re.compile("工资已于周五结清"))
    axe.check(page)
    page.locator("#article-title").fill("工资被拖欠怎么办")
    page.locator("form[action$='/article/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    expect(page.locator(".usa-alert--success")).to_be_visible()
    page.locator("#knowledge-article a").click()
    page.wait_for_url(re.compile(r"/knowledge/reply-"))
    expect(page.locator("h1")).to_contain_text("工资被拖欠怎么办")
    axe.check(page)


def _warm_up() -> None:
    """Load the routing model and the sentence encoder once (the live server shares this
    process), so that the first suggestion is as fast as the others."""
    from onestop.hotline import routing
    from onestop.knowledge import selectors as knowledge

    routing.classify(text=CALL, region="371121")
    knowledge.answer(q=CALL, region="371121")


def test_a_work_order_from_call_to_callback(seeded_live_server, page, axe):
    base = seeded_live_server.url
    _warm_up()

    number = _take_the_call(page, base, axe)
    assert (_order(number).status, _order(number).lead_department_id) == ("dispatched", HR)
    _return_it(page, base, axe, number)
    assert _order(number).status == "returned"
    _arbitrate(page, base, axe, number)
    assert (_order(number).status, _order(number).lead_department_id) == ("dispatched", PS)
    _handle(page, base, axe, number)
    assert _order(number).status == "replied"
    _call_back(page, base, axe, number)

    done = _order(number)
    assert done.status == "closed"
    assert done.callback_satisfied is True
    assert [e.kind for e in done.events.all()] == [
        "create",
        "dispatch",
        "return",
        "arbitrate_uphold",
        "sign_for",
        "start",
        "reply",
        "callback",
    ]
    _article(page, base, axe, number)
    assert done.events.last().kind == "article"
