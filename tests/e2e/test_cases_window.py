"""A walk-in opens a restaurant at the service centre, in two visits. The owner takes a queue
number at the kiosk; the window clerk sits at a comprehensive window, calls the number, looks the
business up by its unified social credit code and starts the "opening a restaurant" bundle
(dine-in: the fire safety inspection applies). The owner brought no plans: the clerk issues a
one-time notice listing every missing material at once (PDF). At the second visit the owner
brings them; the clerk checks the originals and accepts: the bundle gets its number, one item
case per department, and the receipt PDF with the tracking QR code. axe checks every screen."""

import re

from playwright.sync_api import expect

from tests.factories import sign_in as _login

PASSWORD = "onestop-demo-2026"  # the demo seed's development password
USCC = "91371121MA3C5D7E8U"  # the demo business 五莲县示例农业科技有限公司 (synthetic)
WALKIN_RID = "110101199003070038"  # a person without an account (synthetic, valid)
BAD_RID = "110101199003070039"  # the same with a wrong check digit
# dine-in seating (fire safety inspection), no outdoor signboard, no sewer connection
ANSWERS = {"dine_in": "yes", "signboard": "no", "sewer": "no"}
ITEMS = {
    "37112100SP-XK-0005",  # business licence
    "37112100SP-XK-0006",  # food business licence
    "37112100XF-XK-0001",  # fire safety inspection
    "37112100WJ-GG-0001",  # food handler's health certificate
}


def _post(page, control) -> None:
    """Send a form and wait for the page it leads to (often the same URL, after a redirect)."""
    with page.expect_navigation():
        control.click()


def _choose(page, selector: str) -> None:
    """Tick a USWDS radio or checkbox by its label (the input itself is visually hidden)."""
    field = page.locator(selector)
    page.locator(f"label[for='{field.get_attribute('id')}']").click()
    expect(field).to_be_checked()


def _no_error(page) -> None:
    alerts = page.locator("main .usa-alert--error").all_inner_texts()
    assert not alerts, alerts


def _fill_answers(form) -> None:
    """Type into every empty field: a number, a date, a valid resident ID, or a name."""
    for field in form.locator("input.usa-input, textarea").all():
        if not field.input_value():
            kind = field.get_attribute("type")
            name = field.get_attribute("name") or ""
            field.fill(
                "120"
                if kind == "number"
                else "2026-11-20"
                if kind == "date"
                else WALKIN_RID
                if name.endswith("id_number")
                else "李娜"
            )


def _pdf(page, base: str, link) -> bytes:
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    return body


def _take_a_number(page, base: str, axe) -> str:
    """The kiosk: no login; the Wulian centre; the restaurant bundle."""
    page.context.clear_cookies()
    page.goto(base + "/queue/?centre=wulian-centre")
    axe.check(page)
    _choose(page, "input[name=purpose][value='scenario:restaurant-opening']")
    _post(page, page.locator("#q-take"))
    expect(page.locator("#ticket-number")).to_be_visible()
    axe.check(page)
    return page.locator("#ticket-number").inner_text().strip()


def _first_visit(page, base: str, axe, ticket: str) -> str:
    """The clerk calls the number, looks the business up, starts the bundle, records what was
    brought and issues the one-time notice. Returns the window case page's URL."""
    _login(page, base, "clerk")
    page.goto(base + "/window/")
    axe.check(page)
    seat = page.locator("#w-window option").filter(has_text="五莲县政务服务中心 — 03").first
    page.locator("#w-window").select_option(seat.get_attribute("value"))
    _post(page, page.locator("form:has(#w-window) button[type=submit]"))
    expect(page.locator("#seat")).to_be_visible()
    expect(page.locator("#waiting")).to_contain_text(ticket)
    _post(page, page.locator("#call-next"))
    expect(page.locator("#called")).to_contain_text(ticket)

    page.locator("#w-uscc").fill(USCC)
    _post(page, page.locator("#lookup-form button[type=submit]"))
    expect(page.locator("#walkin")).to_be_visible()
    axe.check(page)
    page.locator("#s-target").select_option("scenario:371121/restaurant-opening")
    page.locator("#s-name").fill("李娜")
    page.locator("#s-phone").fill("13800138000")
    _post(page, page.locator("#start-form button[type=submit]"))
    page.wait_for_url(re.compile(r"/window/cases/[^/]+/$"))
    case_url = page.url
    axe.check(page)

    # The situation and the form, with the business's data pre-filled where it is shared.
    for key, value in ANSWERS.items():
        _choose(page, f"#v-{key}-{value}")
    # Save the answers first: the form then asks only what the selected items need.
    _post(page, page.locator("#answers-form button[type=submit]"))
    page.wait_for_load_state()
    _no_error(page)
    page.wait_for_url(case_url)
    expect(page.locator("#f-sign_text")).to_have_count(0)  # no signboard: not asked
    form = page.locator("#answers-form")
    _fill_answers(form)
    for select in form.locator("select").all():
        if not select.input_value():
            values = [o.get_attribute("value") for o in select.locator("option").all()]
            select.select_option(next(v for v in values if v))
    _post(page, form.locator("button[type=submit]"))
    page.wait_for_load_state()
    _no_error(page)
    page.wait_for_url(case_url)
    expect(page.locator("#missing-count")).to_be_visible()
    axe.check(page)

    # Nothing else was brought: one notice lists everything missing.
    _post(page, page.locator("#issue-notice"))
    page.wait_for_url(case_url)
    notice = page.locator("#papers a[href$='notice.pdf']")
    expect(notice).to_be_visible()
    axe.check(page)
    _pdf(page, base, notice)
    return case_url


def _second_visit(page, base: str, axe, case_url: str) -> str:
    """The walk-in returns with the plans: the clerk finds the application again from the
    look-up, checks each original and accepts. Returns the bundle's number."""
    page.goto(base + "/window/")
    page.locator("#w-uscc").fill(USCC)
    _post(page, page.locator("#lookup-form button[type=submit]"))
    expect(page.locator("#walkin-cases")).to_be_visible()
    _post(page, page.locator("#walkin-cases tbody a").first)
    page.wait_for_url(case_url)

    # One form for every material: each row's check, saved together (back at the table).
    rows = page.locator("#materials tbody tr:has(option[value$=':missing'][selected])").all()
    keys = [(row.get_attribute("id") or "").removeprefix("material-") for row in rows]
    assert keys
    for key in keys:
        page.locator(f"#c-{key}").select_option(f"{key}:paper")
    _post(page, page.locator("#save-materials"))
    assert page.url.endswith("#materials")
    for key in keys:
        expect(page.locator(f"#c-{key}")).to_have_value(f"{key}:paper")
    expect(page.locator("#missing-count")).to_have_count(0)
    axe.check(page)

    _post(page, page.locator("#accept"))
    page.wait_for_load_state()
    _no_error(page)
    page.wait_for_url(re.compile(r"/window/cases/\d{6}-\d{8}-\d{5}/$"))
    number = page.locator("#case-number").inner_text().strip()
    receipt = page.locator("#papers a[href$='receipt.pdf']")
    expect(receipt).to_be_visible()
    expect(page.locator("#children tbody tr")).to_have_count(len(ITEMS))
    axe.check(page, shot="cases-window-accepted")
    _pdf(page, base, receipt)

    # The QR code on the receipt leads to the public tracking page.
    track = page.locator("main a[href*='/track/']").first.get_attribute("href")
    page.context.clear_cookies()
    page.goto(track if track.startswith("http") else base + track)
    expect(page.locator("main")).to_contain_text(number)
    axe.check(page)
    return number


def test_walk_in_restaurant_notice_then_acceptance(cases_live_server, page, axe_journey):
    from onestop.cases.models import Case, CaseDocument, CaseMaterial
    from onestop.org.models import QueueTicket
    from onestop.sharing.models import AccessRecord

    axe = axe_journey

    base = cases_live_server.url
    ticket = _take_a_number(page, base, axe)
    case_url = _first_visit(page, base, axe, ticket)

    draft = Case.objects.get(status=Case.Status.NOTICE, channel=Case.Channel.WINDOW)
    notice = draft.documents.get(kind=CaseDocument.Kind.NOTICE)
    assert notice.data  # every missing material is printed on it
    assert draft.number is None
    assert draft.variant_answers == ANSWERS
    assert QueueTicket.objects.filter(number=ticket, served_ref=f"case:{draft.pk}").exists()

    number = _second_visit(page, base, axe, case_url)

    top = Case.objects.get(number=number)
    assert top.pk == draft.pk  # the second visit continued the same application
    assert top.status == Case.Status.ACCEPTED
    assert top.visits == 2
    assert top.applicant.username == "business"
    children = Case.objects.filter(parent=top).select_related("item")
    assert {c.item.code for c in children} == ITEMS
    assert len({c.department_id for c in children}) == 3
    assert top.documents.filter(kind=CaseDocument.Kind.RECEIPT).count() == 1
    # The notice listed at once exactly what the second visit had to bring.
    noticed = {m["key"] for m in notice.data["materials"]}
    brought = set(
        top.materials.filter(required=True, mode=CaseMaterial.Mode.PAPER).values_list(
            "key", flat=True
        )
    )
    assert noticed
    assert noticed == brought
    # The clerk's views of the case are in the business's access records.
    assert AccessRecord.objects.filter(
        actor__username="clerk", dataset="cases", subject_index=top.applicant_index
    ).exists()
    axe.assert_clean()


def test_walk_in_without_a_business_takes_a_ticket_and_opens_a_restaurant(
    cases_live_server, page, axe_journey
):
    """A person who plans a restaurant and has no business yet: the kiosk (kiosk mode, the
    bundles and frequent items first, the queue length) gives a printable ticket that says
    what to bring; the clerk looks the person up by resident ID (a wrong check digit is
    refused), the name and phone typed there reach the form, and neither a credit code nor
    the business licence the bundle itself issues is asked for."""
    from onestop.cases.models import Case

    axe = axe_journey
    base = cases_live_server.url
    ticket = _kiosk_ticket(page, base, axe)
    case_url = _clerk_starts_for_a_person(page, base, axe, ticket)
    _answers_carried_and_checked(page, axe, case_url)
    draft = Case.objects.get(channel=Case.Channel.WINDOW, applicant_name="李娜")
    assert draft.applicant_id is None  # no account, no business: a natural person
    assert draft.contact_phone == "13800138000"
    assert draft.form_data["applicant_id_number"] == WALKIN_RID
    axe.assert_clean()


def _kiosk_ticket(page, base: str, axe) -> str:
    """Kiosk mode: the bundles first, the queue length; a printable ticket with what to bring."""
    page.context.clear_cookies()
    page.goto(base + "/queue/?kiosk=1")
    expect(page.locator("header.usa-header")).to_have_count(0)  # a kiosk screen
    expect(page.locator("#queue-length")).to_be_visible()
    expect(page.locator("#q-bundles input[name=purpose]").first).to_be_visible()
    axe.check(page)
    _choose(page, "input[name=purpose][value='scenario:restaurant-opening']")
    _post(page, page.locator("#q-take"))
    expect(page.locator("#ticket-number")).to_be_visible()
    assert "kiosk=1" in page.url
    expect(page.locator("#ticket-bring li").nth(1)).to_be_visible()  # what to bring
    expect(page.locator("[data-print]")).to_be_visible()
    axe.check(page)
    page.emulate_media(media="print")
    expect(page.locator("#ticket-sms")).to_be_hidden()  # the ticket prints alone
    expect(page.locator("#ticket-number")).to_be_visible()
    page.emulate_media(media="screen")
    return page.locator("#ticket-number").inner_text().strip()


def _clerk_starts_for_a_person(page, base: str, axe, ticket: str) -> str:
    """The clerk calls the ticket, refuses a wrong check digit, looks the person up with name
    and phone, and starts the bundle the ticket named. Returns the case page's URL."""
    _login(page, base, "clerk")
    page.goto(base + "/window/")
    seat = page.locator("#w-window option").filter(has_text="五莲县政务服务中心 — 03").first
    page.locator("#w-window").select_option(seat.get_attribute("value"))
    _post(page, page.locator("form:has(#w-window) button[type=submit]"))
    _post(page, page.locator("#call-next"))
    expect(page.locator("#called")).to_contain_text(ticket)
    page.locator("#w-rid").fill(BAD_RID)
    _post(page, page.locator("#lookup-form button[type=submit]"))
    expect(page.locator("main .usa-alert--error")).to_be_visible()
    expect(page.locator("#walkin")).to_have_count(0)
    axe.check(page)
    page.locator("#w-rid").fill(WALKIN_RID)
    page.locator("#w-name").fill("李娜")
    page.locator("#w-phone").fill("13800138000")
    _post(page, page.locator("#lookup-form button[type=submit]"))
    expect(page.locator("#walkin")).to_be_visible()
    expect(page.locator("#s-phone")).to_have_value("13800138000")
    # What the ticket said at the kiosk is offered as the application to start.
    expect(page.locator("#s-target")).to_have_value("scenario:371121/restaurant-opening")
    axe.check(page)
    _post(page, page.locator("#start-form button[type=submit]"))
    page.wait_for_url(re.compile(r"/window/cases/[^/]+/$"))
    return page.url


def _answers_carried_and_checked(page, axe, case_url: str) -> None:
    """The look-up's ID, name and phone are in the form; no credit code and no business
    licence is asked; a wrong check digit typed into the form is refused."""
    for key, value in ANSWERS.items():
        _choose(page, f"#v-{key}-{value}")
    _post(page, page.locator("#answers-form button[type=submit]"))
    _no_error(page)
    expect(page.locator("#f-applicant_id_number")).to_have_value(WALKIN_RID)
    expect(page.locator("#f-applicant_name")).to_have_value("李娜")
    expect(page.locator("#f-uscc")).to_have_count(0)  # assigned by the licence issued here
    expect(page.locator("#material-business-licence")).to_contain_text(
        _zh_text("Issued in this application: %(licence)s (nothing to hand in)").split("%")[0]
    )
    # A wrong check digit typed into the form is refused there too.
    page.locator("#f-applicant_id_number").fill(BAD_RID)
    _post(page, page.locator("#answers-form button[type=submit]"))
    expect(page.locator("main .usa-alert--error").first).to_be_visible()
    axe.check(page)
    page.goto(case_url)
    expect(page.locator("#f-applicant_id_number")).to_have_value(WALKIN_RID)


def _zh_text(text: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text)
