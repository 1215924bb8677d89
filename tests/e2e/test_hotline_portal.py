"""The citizen's own 12345 in the browser: a citizen without an account files a complaint on
the portal (zh-hans: the form, its error summary, the map, the tracking page); the agent
dispatches it, the public security officer signs for it, handles it and replies; the citizen
opens the tracking link, reads the reply and rates it; the agent records the call-back and
enters the rating heard on the phone. Then a signed-in citizen files one in English at phone
width and finds it in "my space". axe checks every screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import sign_in

PS = "371121-public-security"
pytestmark = pytest.mark.seed_skip(
    "cases-demo",
    "credentials",
    "sharing-demo",
    "open311",
    "hotline-routing",
    "hotline-demo",
    "insights-demo",
    "knowledge-articles",
    "search-index",
)


def _order(number: str) -> Any:
    from onestop.hotline.models import WorkOrder

    return WorkOrder.objects.get(number=number)


def _tick(page: Any, selector: str) -> None:
    field = page.locator(selector)
    page.locator(f"label[for='{field.get_attribute('id')}']").click()
    expect(field).to_be_checked()


def _file(page: Any, base: str, axe_journey: Any, *, text: str, phone: str) -> str:
    page.goto(base + "/12345/")
    axe_journey.check(page)
    if page.locator("html").get_attribute("lang") == "zh-Hans":
        # USWDS writes the file input's texts in English; the page puts its own in their place.
        expect(page.locator(".usa-file-input__instructions")).to_contain_text("拖到此处")
        expect(page.locator(".usa-file-input__instructions")).not_to_contain_text("Drag")
        expect(page.locator("#id_photo")).to_have_attribute("aria-label", re.compile("拖到此处"))
    # Sent empty: the error summary names what is missing, nothing is made.
    page.locator("#id_contact_phone").fill("")
    page.locator("#portal-form button[type=submit]").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    axe_journey.check(page)
    _tick(page, "#portal-form input[name=request_type][value=complaint]")
    page.locator("#id_category").select_option("public-security.public-order")
    page.locator("#id_description").fill(text)
    page.locator("#id_address").fill("洪凝街道人民路 8 号")
    page.locator("#region-map").click(position={"x": 200, "y": 150})
    expect(page.locator("#id_latitude")).to_have_value(re.compile(r"^35\.\d{6}$"))
    expect(page.locator("#id_longitude")).to_have_value(re.compile(r"^119\.\d{6}$"))
    page.locator("#id_contact_phone").fill(phone)
    with page.expect_navigation():
        page.locator("#portal-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/12345/track/"))
    number = page.url.split("/12345/track/")[1].split("/")[0]
    expect(page.locator("#track-status")).to_be_visible()
    axe_journey.check(page, "hotline-portal-tracking")
    return number


def _handle(page: Any, base: str, axe_journey: Any, number: str) -> None:
    from onestop.accounts.models import User
    from onestop.hotline import services

    agent = User.objects.get(username="agent")
    services.ticket_dispatch(actor=agent, order=_order(number), department=PS)
    sign_in(page, base, "officer-ps")
    page.goto(base + f"/hotline/orders/{number}/")
    for step in ("sign_for", "start"):
        page.locator(f"form[action$='/{step}/'] button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    axe_journey.check(page)
    page.locator("#reply-text").fill("已约谈烧烤摊业主，夜间十点后停止营业。")
    page.locator("form[action$='/reply/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    expect(page.locator("#order-reply")).to_contain_text("夜间十点后停止营业")


def _rate(page: Any, tracking: str, axe_journey: Any) -> None:
    page.context.clear_cookies()
    page.goto(tracking)
    expect(page.locator("#track-reply")).to_contain_text("夜间十点后停止营业")
    axe_journey.check(page)
    page.locator("#track-rate").click()
    page.wait_for_url(re.compile(r"/reviews/rate/\?token="))
    axe_journey.check(page)
    _tick(page, "#rate-form input[name=level][value='5']")
    with page.expect_navigation():
        page.locator("#rate-form button[type=submit]").click()
    expect(page.locator("#rate-current")).to_be_visible()
    axe_journey.check(page)
    page.goto(tracking)
    expect(page.locator("#track-rating-level")).to_be_visible()


def _call_back(page: Any, base: str, axe_journey: Any, number: str) -> None:
    """The agent records the rating heard on the phone in the call-back's own form: the rating
    is recorded first, then the order closes (one submission)."""
    sign_in(page, base, "agent")
    page.goto(base + f"/hotline/orders/{number}/")
    callback = page.locator("form[action$='/callback/']")
    expect(callback.locator("#callback-rating-fields")).to_be_visible()
    axe_journey.check(page)
    # A rating with "not satisfied (reopen)" is refused and changes nothing.
    _tick(page, "#cb-sat-no")
    _tick(page, "form[action$='/callback/'] input[name='rating-level'][value='4']")
    callback.locator("button[type=submit]").click()
    expect(page.locator(".usa-alert--error")).to_be_visible()
    assert _order(number).status == "replied"
    callback = page.locator("form[action$='/callback/']")
    _tick(page, "#cb-sat-yes")
    _tick(page, "form[action$='/callback/'] input[name='rating-level'][value='4']")
    callback.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/hotline/orders/{number}/$"))
    expect(page.locator("#callback-rating-current")).to_be_visible()
    axe_journey.check(page)


def test_a_citizen_files_a_request_and_rates_the_reply(
    seeded_live_server: Any, page: Any, axe_journey: Any
) -> None:
    from onestop.reviews.models import Review

    base = seeded_live_server.url
    number = _file(
        page,
        base,
        axe_journey,
        text="楼下烧烤摊每晚营业到凌晨两点，噪音扰民。",
        phone="13900139000",
    )
    tracking = page.url
    assert _order(number).channel == "portal"
    _handle(page, base, axe_journey, number)
    _rate(page, tracking, axe_journey)
    assert Review.objects.get(event_ref=number).channel == "portal"
    _call_back(page, base, axe_journey, number)
    assert _order(number).status == "closed"
    assert list(
        Review.objects.filter(event_ref=number).order_by("version").values_list("channel", "level")
    ) == [("portal", 5), ("callback", 4)]

    # The same screens at phone width in Chinese.
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.clear_cookies()
    page.goto(tracking)
    expect(page.locator("#track-reply")).to_be_visible()
    # The rating the agent heard is not called the citizen's own.
    expect(page.locator("#track-rating-by-agent")).to_be_visible()
    axe_journey.check(page)
    page.goto(base + "/12345/")
    expect(page.locator("#region-map")).to_be_visible()
    axe_journey.check(page)

    # In English at phone width, signed in: the request is in "my space".
    english = page.context.browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}
    )
    phone_page = english.new_page()
    phone_page.set_extra_http_headers({"Accept-Language": "en"})
    sign_in(phone_page, base, "citizen")
    mine = _file(
        phone_page,
        base,
        axe_journey,
        text="The street light at the bus stop is out.",
        phone="13700137000",
    )
    expect(phone_page.locator("h1")).to_contain_text("12345 request")
    phone_page.goto(base + "/me/12345/")
    expect(phone_page.locator("#my-requests")).to_contain_text(mine)
    axe_journey.check(phone_page, "hotline-portal-mine")
    english.close()
    axe_journey.assert_clean()
