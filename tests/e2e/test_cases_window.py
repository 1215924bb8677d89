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
    refused in the window's error summary), the name and phone typed there reach the form,
    and neither a credit code nor the business licence the bundle itself issues is asked for.
    Accepted, nothing is called "held by the government"; the same bundle again warns of the
    open case; the officer decides on a phone, where the on-the-spot item says so."""
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
    number = _accepted_without_false_holdings(page, base, axe, case_url)
    _warned_of_the_open_case(page, base, axe, number)
    _officer_on_a_phone(page, base, axe, number)
    axe.assert_clean()


def _kiosk_ticket(page, base: str, axe) -> str:
    """Kiosk mode: the bundles first, the queue length; a printable ticket with what to bring."""
    page.context.clear_cookies()
    page.goto(base + "/queue/?kiosk=1")
    expect(page.locator("header.usa-header")).to_have_count(0)  # a kiosk screen
    expect(page.locator("#queue-length")).to_be_visible()
    expect(page.locator("#q-bundles input[name=purpose]").first).to_be_visible()
    axe.check(page)
    # on a phone the search field is a whole field: all four borders, inside the page (USWDS
    # styles every search input for its glued search button, which cut the right edge off)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    field = page.locator("#q-search")
    assert field.evaluate("e => getComputedStyle(e).borderRightStyle") == "solid"
    box = field.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390 - 8
    page.set_viewport_size(size)
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
    # The refusal is the portal's GOV.UK error summary: focused, "Error:" in the title, and
    # its link puts the cursor in the field.
    _error_summary_leads_to(page, "#w-rid")
    axe.check(page)
    page.locator("#w-rid").fill(WALKIN_RID)
    page.locator("#w-name").fill("李娜")
    page.locator("#w-phone").fill("13800138000")
    _post(page, page.locator("#lookup-form button[type=submit]"))
    expect(page.locator("#walkin")).to_be_visible()
    # "No account" is said once, in the walk-in's panel.
    no_account = _zh_text("No account: the application is made for the walk-in all the same.")
    expect(page.get_by_text(no_account, exact=True)).to_have_count(1)
    expect(page.locator("#walkin")).to_contain_text(no_account)
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


def _error_summary_leads_to(page, field: str) -> None:
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    assert page.title().startswith(_zh_text("Error: ")), page.title()
    summary.locator(f"a[href='{field}']").first.click()
    expect(page.locator(field)).to_be_focused()


def _accepted_without_false_holdings(page, base: str, axe, case_url: str) -> str:
    """Accepting with materials missing is refused in an error summary linking to each one;
    once checked, the accepted case (page and receipt) calls nothing "held by the government":
    the walk-in has no business, so the business licence is issued by this application and
    the articles are generated from its form. Returns the bundle's number."""
    from onestop.cases import pdf
    from onestop.cases.models import Case, CaseDocument
    from tests.factories import DrawnText

    form = page.locator("#answers-form")
    _fill_answers(form)
    for select in form.locator("select").all():
        if not select.input_value():
            values = [o.get_attribute("value") for o in select.locator("option").all()]
            select.select_option(next(v for v in values if v))
    _post(page, form.locator("button[type=submit]"))
    _no_error(page)
    _post(page, page.locator("#accept"))
    summary = page.locator("[data-error-summary]")
    expect(summary.locator("a[href^='#c-']").first).to_be_visible()
    _error_summary_leads_to(page, summary.locator("a[href^='#c-']").first.get_attribute("href"))
    axe.check(page)

    rows = page.locator("#materials tbody tr:has(option[value$=':missing'][selected])").all()
    keys = [(row.get_attribute("id") or "").removeprefix("material-") for row in rows]
    for key in keys:
        page.locator(f"#c-{key}").select_option(f"{key}:paper")
    _post(page, page.locator("#save-materials"))
    _post(page, page.locator("#accept"))
    _no_error(page)
    page.wait_for_url(re.compile(r"/window/cases/\d{6}-\d{8}-\d{5}/$"))
    held = _zh_text("Held by the government: no need to submit")
    expect(page.locator("#materials")).not_to_contain_text(held)
    expect(page.locator("#material-business-licence")).to_contain_text(
        _zh_text("Issued in this application: %(licence)s (nothing to hand in)").split("%")[0]
    )
    expect(page.locator("#material-articles-of-association")).to_contain_text(
        _zh_text("Generated from the application form: no need to submit")
    )
    axe.check(page)
    _stacked_on_a_phone(page, "#materials")
    number = page.locator("#case-number").inner_text().strip()
    receipt = CaseDocument.objects.get(case__number=number, kind=CaseDocument.Kind.RECEIPT)
    from django.utils import translation

    with translation.override("zh-hans"), DrawnText() as drawn:
        pdf.document_pdf(receipt, base_url=base)
    assert _zh_text("Generated from the application form: no need to submit") in drawn.text
    assert held not in drawn.text
    assert Case.objects.get(number=number).applicant_id is None
    return number


def _warned_of_the_open_case(page, base: str, axe, number: str) -> None:
    """The same walk-in asks for the same bundle again while it is open: the clerk is warned,
    with a link to the open case, and nothing is started unless they start it on purpose."""
    from onestop.cases.models import Case

    before = Case.objects.filter(parent__isnull=True).count()
    page.goto(base + "/window/")
    page.locator("#w-rid").fill(WALKIN_RID)
    _post(page, page.locator("#lookup-form button[type=submit]"))
    page.locator("#s-target").select_option("scenario:371121/restaurant-opening")
    page.locator("#s-name").fill("李娜")
    _post(page, page.locator("#start-form button[type=submit]"))
    expect(page.locator("#open-case")).to_be_visible()
    expect(page.locator("#open-case-link")).to_have_attribute("href", f"/window/cases/{number}/")
    expect(page.locator("#start-again")).to_be_visible()
    axe.check(page)
    assert Case.objects.filter(parent__isnull=True).count() == before


def _officer_on_a_phone(page, base: str, axe, number: str) -> None:
    """The officer opens the business licence case on a 390 px phone: the on-the-spot item
    says so (not "0 working days"), and the materials table stacks into a readable list."""
    from onestop.cases.models import Case

    child = Case.objects.get(parent__number=number, item__code="37112100SP-XK-0005")
    assert child.promised_days == 0  # on the spot (即办)
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, base, "officer-sp")
    page.goto(base + f"/office/cases/{child.number}/")
    expect(page.locator("#promised")).to_have_text(_zh_text("(done on the spot)"))
    expect(page.locator("main")).not_to_contain_text("0 个工作日")
    expect(page.locator("main")).not_to_contain_text("0 working days")
    _stacked_on_a_phone(page, "#materials")
    _stacked_on_a_phone(page, "#form-data")
    axe.check(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def _stacked_on_a_phone(page, table: str) -> None:
    """At 390 px the table stacks: the page does not widen, and each row's heading reads
    across the phone's width (not a crushed column)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for cell in page.locator(f"{table} tbody th").all():
        box = cell.bounding_box()
        assert box is not None
        assert box["width"] > 300, box
    page.set_viewport_size(size)


def _zh_text(text: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text)
