"""Assisted handling (帮办代办) and the elderly-friendly mode (适老化) in the browser.

A daughter acts for her mother (the demo citizen 张伟) with the mother's consent: the mother
names her in my account (Chinese), the daughter switches to acting for her in the header
(English) and submits the newborn bundle for her; the mother sees the application in her space
and the message that her helper submitted it, then revokes; the daughter's next page is her own
again. The elderly-friendly mode on the home page and an item page at phone width, in both
languages. axe checks every screen."""

import re

from playwright.sync_api import expect

from tests.e2e.test_cases_newborn import _choose, _continue, _fill_empty, _past_the_open_case, _post
from tests.factories import sign_in

PHONE = {"width": 390, "height": 844}


def _zh(text: str) -> str:
    """What a Chinese page shows for `text` (its msgid until the catalogue has it)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text)


ITEM = "37112100GA-QR-0001"


def _mother_grants(mother, base, axe, daughter_id: str) -> None:
    """The mother names her daughter in my account."""
    import datetime

    from django.utils import timezone

    mother.goto(base + "/accounts/me/")
    axe.check(mother)
    mother.locator("#delegations a[href='/accounts/delegations/new/']").click()
    mother.wait_for_url(re.compile(r"/accounts/delegations/new/$"))
    axe.check(mother)
    mother.locator("#helper_name").fill("张小红")
    mother.locator("#helper_resident_id").fill(daughter_id)
    expect(mother.locator("#scope-cases")).to_be_checked()
    until = timezone.localdate() + datetime.timedelta(days=30)
    mother.locator("#valid_until").fill(until.isoformat())
    _post(mother, mother.locator("main form button[type=submit]"))
    mother.wait_for_url(re.compile(r"/accounts/me/"))
    expect(mother.locator("#delegations-given")).to_contain_text("张小红")
    axe.check(mother, shot="assisted-mother-granted")


def _helper_switches(helper, base, axe, delegation_id: str) -> None:
    """The daughter switches to acting for her mother in the header."""
    helper.goto(base + "/accounts/me/")
    expect(helper.locator("#delegations-held")).to_contain_text("张伟")
    axe.check(helper)
    helper.locator("#acting-select").select_option(delegation_id)
    _post(helper, helper.locator(".os-acting-switch button[type=submit]"))
    helper.wait_for_url(re.compile(r"/me/cases/$"))
    expect(helper.locator("#acting-banner")).to_contain_text("张伟")
    axe.check(helper, shot="assisted-helper-acting")


def _helper_applies(helper, base, axe) -> str:
    """The daughter applies for the newborn bundle for her mother; returns its number."""
    helper.goto(base + "/scenarios/newborn/")
    _post(helper, helper.locator("main form[action='/apply/scenario/newborn/'] [type=submit]"))
    _past_the_open_case(helper, axe)
    _choose(helper, "input[name=hukou_here][value=yes]")
    _choose(helper, "input[name=ss_card][value=yes]")
    _choose(helper, "input[name=maternity][value=no]")
    _continue(helper, "form")
    _post(helper, helper.locator("main button[name=action][value=prefill]"))
    _fill_empty(helper)
    _continue(helper, "materials")
    _continue(helper, "review")
    axe.check(helper)
    _choose(helper, "#id_declaration")
    helper.locator("main form button[value=submit]").click()
    helper.wait_for_url(re.compile(r"/submitted/$"))
    expect(helper.locator("#acting-banner")).to_be_visible()
    axe.check(helper)
    return helper.locator("main .usa-alert--success strong").first.inner_text().strip()


def test_a_daughter_acts_for_her_mother(cases_live_server, browser, axe_journey):
    from onestop.accounts.models import Delegation
    from onestop.cases.models import Case
    from onestop.notify.models import Notification
    from tests.factories import CitizenFactory, resident_id

    axe = axe_journey
    base = cases_live_server.url
    daughter_id = resident_id(birth="19950101")
    daughter = CitizenFactory(username="xiaohong", real_name="张小红", resident_id=daughter_id)

    # The mother (Chinese, phone width) names her daughter in my account.
    mother_ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    mother = mother_ctx.new_page()
    sign_in(mother, base, "citizen")
    _mother_grants(mother, base, axe, daughter_id)
    delegation = Delegation.objects.get(principal__username="citizen")

    # The daughter (English) acts for her and submits an application.
    helper_ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    helper = helper_ctx.new_page()
    sign_in(helper, base, "xiaohong")
    _helper_switches(helper, base, axe, str(delegation.pk))
    number = _helper_applies(helper, base, axe)
    case = Case.objects.get(number=number)
    assert case.applicant.username == "citizen"
    assert case.agent_id == daughter.pk
    assert case.events.filter(kind="submitted", agent=daughter).exists()

    # The mother sees it in her space, and the message that her helper submitted it.
    mother.goto(base + "/me/cases/")
    expect(mother.locator("main")).to_contain_text(number)
    axe.check(mother)
    assert Notification.objects.filter(
        recipient__username="citizen", template="accounts.delegation_used"
    ).exists()
    # She revokes it.
    mother.goto(base + "/accounts/me/")
    _post(mother, mother.locator("#delegations-given form button[type=submit]"))
    expect(mother.locator("#delegations-given")).to_contain_text(_zh("Revoked"))
    axe.check(mother)

    # The daughter's next page is her own again.
    helper.goto(base + "/me/cases/")
    expect(helper.locator("#acting-banner")).to_have_count(0)
    expect(helper.locator("main")).not_to_contain_text(number)
    expect(helper.locator("#acting-select")).to_have_count(0)
    axe.check(helper)
    axe.assert_clean()
    mother_ctx.close()
    helper_ctx.close()


def test_elderly_mode_at_phone_width(cases_live_server, browser, axe_journey):
    axe = axe_journey
    base = cases_live_server.url
    off = "Elderly-friendly mode: off"
    for locale, switch_on, hotline in (
        ("zh-CN", _zh(off), "12345"),
        ("en-GB", off, "12345"),
    ):
        ctx = browser.new_context(locale=locale, viewport=PHONE)
        page = ctx.new_page()
        page.goto(base + "/")
        expect(page.locator("#elderly-bar")).to_have_count(0)
        themes = page.locator("section[aria-labelledby=themes]")
        expect(themes).to_be_visible()
        before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        switch = page.locator("#elderly-switch")
        expect(switch).to_have_text(switch_on)
        _post(page, switch)
        # remembered: a fresh page load keeps it, on every page
        page.goto(base + "/")
        expect(page.locator("body")).to_have_class(re.compile("os-elderly"))
        expect(page.locator("#elderly-switch")).to_have_attribute("aria-pressed", "true")
        bar = page.locator("#elderly-bar")
        expect(bar).to_contain_text(hotline)
        expect(bar.locator("a[href^='/centres/']")).to_be_visible()
        expect(themes).to_be_hidden()  # fewer choices
        after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert after > before
        axe.check(page, shot="" if locale != "zh-CN" else "elderly-home")
        page.goto(base + f"/items/{ITEM}/")
        expect(page.locator("#elderly-bar")).to_be_visible()
        axe.check(page)
        _post(page, page.locator("#elderly-switch"))
        expect(page.locator("#elderly-bar")).to_have_count(0)
        axe.check(page)
        ctx.close()
    axe.assert_clean()


def test_the_window_records_consent_for_one_of_a_family_phone(
    cases_live_server, browser, axe_journey
):
    """A grandmother and her grandson share the family's phone. At the window (phone width,
    Chinese then English) the clerk looks the person up by that number, is shown both accounts
    masked, picks the one present and records the consent; the chooser passes axe."""
    from onestop.accounts.models import Delegation
    from tests.cases.test_delegation_phone import FAMILY, family_on_one_phone

    axe = axe_journey
    base = cases_live_server.url
    family = family_on_one_phone()
    people = {"李*兰": family["grandmother"], "李*明": family["grandson"]}
    for locale, present, born in (("zh-CN", "李*明", "2001"), ("en-GB", "李*兰", "1950")):
        ctx = browser.new_context(locale=locale, viewport=PHONE)
        page = ctx.new_page()
        sign_in(page, base, "clerk")
        page.goto(base + "/accounts/delegations/record/")
        expect(page.locator("#person-chooser")).to_have_count(0)
        axe.check(page)
        page.locator("#person_phone").fill(FAMILY)
        page.locator("#consent_note").fill("当面核验身份证" if locale == "zh-CN" else "In person")
        _post(page, page.locator("main form button[type=submit]"))
        chooser = page.locator("#person-chooser")
        expect(chooser).to_be_visible()
        expect(chooser.locator("input[name=person_choice]")).to_have_count(2)
        for masked in people:
            expect(chooser).to_contain_text(masked)
        expect(chooser).not_to_contain_text("李秀兰")
        expect(chooser).not_to_contain_text("李小明")
        expect(page.locator("#person_choice-error")).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the chooser is {width} px wide"
        axe.check(page, shot="assisted-window-chooser" if locale == "zh-CN" else "")
        tile = chooser.locator("label.usa-radio__label").filter(has_text=present)
        expect(tile).to_contain_text(born)
        tile.click()
        _post(page, page.locator("main form button[type=submit]"))
        expect(page.locator("main .usa-alert--success")).to_be_visible()
        expect(page.locator("#person-chooser")).to_have_count(0)
        axe.check(page)
        ctx.close()
    recorded = Delegation.objects.filter(channel=Delegation.Channel.WINDOW)
    assert sorted(d.principal.username for d in recorded) == ["nainai", "sunzi"]
    axe.assert_clean()
