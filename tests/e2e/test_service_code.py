"""The government service code at phone width: the citizen opens "my government service code"
from their account page and shows the QR code; the clerk's scanner types the code into the
window console and sends it; the console shows the person's verified identity (masked ID, name,
real-name level) and e-licences, records the access, and serves them as the walk-in. axe checks
every screen."""

from playwright.sync_api import expect

from tests.factories import sign_in

PHONE = {"width": 390, "height": 844}


def test_citizen_shows_the_code_and_the_clerk_scans_it(cases_live_server, browser, axe):
    from onestop.sharing.models import AccessRecord

    base = cases_live_server.url
    citizen = browser.new_context(locale="zh-CN", viewport=PHONE)
    phone = citizen.new_page()
    sign_in(phone, base, "citizen")
    phone.goto(base + "/accounts/me/")
    phone.locator("#account-links a[href='/me/service-code/']").click()
    qr = phone.locator("#service-code-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth > 0 && img.width <= 390")
    expect(phone.locator("#service-code")).to_have_attribute("hx-trigger", "every 60s")
    axe.check(phone)
    code = qr.get_attribute("data-code")  # what a scanner reads from the QR code
    assert code

    desk = browser.new_context(locale="zh-CN", viewport=PHONE)
    window = desk.new_page()
    sign_in(window, base, "clerk")
    window.goto(base + "/window/")
    axe.check(window)
    before = AccessRecord.objects.count()
    field = window.locator("#w-code")
    field.click()
    with window.expect_navigation():
        field.press_sequentially(code)  # a scanner types like a keyboard, then Enter
        field.press("Enter")
    expect(window.locator("#scanned-name")).to_have_text("张伟")
    expect(window.locator("#scanned-masked")).to_have_text("3711**********123X")
    expect(window.locator("#scanned-level")).not_to_be_empty()
    expect(window.locator("#scanned-licences tbody tr")).to_have_count(2)
    axe.check(window)
    datasets = list(
        AccessRecord.objects.order_by("at", "pk")[before:].values_list("dataset", flat=True)
    )
    assert datasets == ["accounts.profile", "credentials.wallet"]
    window.locator("#scanned-continue").click()
    expect(window.locator("#walkin")).to_contain_text("3711**********123X")
    citizen.close()
    desk.close()
