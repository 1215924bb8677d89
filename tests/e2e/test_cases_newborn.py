"""The newborn bundle end to end in the browser: the demo citizen applies online once (the
situation questions select 7 items; one merged form pre-filled from shared data; every material
already held, so nothing to upload) and submits. Seven item cases fan out; the medical-insurance
enrolment is decided by rules at once; officers of four departments (health ×3, public security,
tax, human resources) pass the review and decide with a reason in /office/; the citizen sees the
application completed in /me/cases/ and is told once. axe checks every screen."""

import re

from playwright.sync_api import expect

from tests.factories import sign_in as _login

PASSWORD = "onestop-demo-2026"  # the demo seed's development password
AUTO_ITEM = "37112100YB-GG-0004"  # resident medical-insurance enrolment, decided by rules
# Who decides which item (maternity = no: the maternity benefit is not in the bundle).
OFFICERS = {
    "officer-wj": ["37112100WJ-GG-0002", "37112100WJ-GG-0003", "37112100WJ-JF-0001"],
    "officer-ps": ["37112100GA-QR-0001"],
    "officer-sw": ["37112100SW-QT-0005"],
    "officer-hr": ["37112100RS-GG-0005"],
}
HIDDEN_FIELDS = {"csrfmiddlewaretoken", "step", "version", "prefill", "action"}


def _zh(text) -> str:
    """What the page shows for a label: the browser asks for Chinese."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def _post(page, control) -> None:
    """Send a form and wait for the page it leads to (often the same URL, after a redirect)."""
    with page.expect_navigation():
        control.click()


def _choose(page, selector: str) -> None:
    """Tick a USWDS radio or checkbox the way a person does: by its label (the input itself
    is visually hidden)."""
    field = page.locator(selector)
    page.locator(f"label[for='{field.get_attribute('id')}']").click()
    expect(field).to_be_checked()


def _continue(page, step: str) -> None:
    page.locator("main form button[name=action][value=next]").click()
    page.wait_for_url(re.compile(rf"[?&]step={step}"))


def _fill_empty(page) -> int:
    """Answer the questions that pre-fill could not (contact phone, choices): type into every
    empty text field and pick the first option of every unanswered list. Returns how many."""
    form = page.locator("main form[action*='step=form']")
    typed = 0
    for field in form.locator("input:not([type=hidden]), textarea").all():
        name = field.get_attribute("name") or ""
        if name in HIDDEN_FIELDS or field.input_value():
            continue
        kind = field.get_attribute("type") or "text"
        if kind == "date":
            field.fill("2026-11-20")
        elif kind == "number":
            field.fill("1")
        elif kind in ("checkbox", "radio"):
            continue
        else:
            field.fill("13800138000" if "phone" in name else "山东省日照市五莲县洪凝街道")
        typed += 1
    for select in form.locator("select").all():
        if not select.input_value():
            values = [o.get_attribute("value") for o in select.locator("option").all()]
            select.select_option(next(v for v in values if v))
            typed += 1
    return typed


def _past_the_open_case(page, axe) -> None:
    """The demo citizen's seeded newborn application is still open: applying again warns,
    links to it, and starts a second one only on the warning's own button."""
    from onestop.cases.models import Case

    seeded = Case.objects.get(
        applicant__username="citizen", scenario__slug="newborn", parent__isnull=True
    )
    expect(page.locator("#open-case")).to_be_visible()
    link = page.locator("#open-case-link")
    expect(link).to_have_attribute("href", f"/me/cases/{seeded.number}/")
    axe.check(page)
    _post(page, page.locator("#apply-again button[type=submit]"))
    page.wait_for_url(re.compile(r"/apply/[0-9a-f-]{36}/"))


def _start_newborn(page, base: str, axe) -> None:
    _login(page, base, "citizen")
    page.goto(base + "/scenarios/newborn/")
    _post(page, page.locator("main form[action='/apply/scenario/newborn/'] [type=submit]"))
    _past_the_open_case(page, axe)


def _apply(page, base: str, axe) -> tuple[str, int]:
    """The citizen applies for the newborn bundle; returns the bundle's case number and how
    many answers the citizen typed."""
    _login(page, base, "citizen")
    page.goto(base + "/scenarios/newborn/")
    axe.check(page)
    _post(page, page.locator("main form[action='/apply/scenario/newborn/'] [type=submit]"))
    _past_the_open_case(page, axe)
    draft_url = page.url.split("?")[0]

    # Situation: hukou here, social security card, no maternity insurance → 7 items.
    _choose(page, "input[name=hukou_here][value=yes]")
    _choose(page, "input[name=ss_card][value=yes]")
    _choose(page, "input[name=maternity][value=no]")
    axe.check(page)
    _continue(page, "form")

    # One merged form, pre-filled from shared data (on request) with the source of each value.
    axe.check(page)
    _post(page, page.locator("main button[name=action][value=prefill]"))
    expect(page.locator(".os-prefill-source").first).to_be_visible()
    assert page.locator(".os-prefill-source").count() >= 5
    expect(page.locator("#id_child_name")).to_have_value("张小雨")
    axe.check(page, shot="cases-apply-form")
    typed = _fill_empty(page)
    # Save and return later: the draft keeps the answers.
    page.locator("main form button[name=action][value=save]").click()
    page.wait_for_url(re.compile(r"/me/cases/"))
    expect(page.locator("#my-drafts")).to_be_visible()
    axe.check(page)
    page.goto(draft_url + "?step=form")
    expect(page.locator("#id_child_name")).to_have_value("张小雨")
    _continue(page, "materials")

    # Materials: the state holds every required one; nothing to upload.
    expect(page.locator("main table")).to_be_visible()
    axe.check(page)
    _continue(page, "review")

    axe.check(page)
    _choose(page, "#id_declaration")  # the declaration (承诺) before submitting
    page.locator("main form button[value=submit]").click()
    page.wait_for_url(re.compile(r"/submitted/$"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(7)
    expect(page.locator("main .os-badge--good")).to_have_count(1)  # decided at once
    axe.check(page, shot="cases-apply-submitted")
    number = page.locator("main .usa-alert--success strong").first.inner_text().strip()
    assert re.fullmatch(r"371121-\d{8}-\d{5}", number), number
    return number, typed


def _cases(number: str):
    from onestop.cases.models import Case

    top = Case.objects.get(number=number)
    return top, {c.item.code: c for c in Case.objects.filter(parent=top).select_related("item")}


def _decide(page, base: str, axe, username: str, numbers: list[str]) -> None:
    """An officer finds the cases in their queue, passes each review and approves it."""
    _login(page, base, username)
    page.goto(base + "/office/")
    for number in numbers:
        expect(page.locator("#queue")).to_contain_text(number)
    axe.check(page)
    for number in numbers:
        page.goto(base + "/office/")
        page.locator(f"#queue a[href='/office/cases/{number}/']").click()
        page.wait_for_url(re.compile(rf"/office/cases/{number}/$"))
        expect(page.locator("#form-pass")).to_be_visible()
        axe.check(page, shot="cases-office-case")
        _post(page, page.locator("#form-pass button[value=pass]"))
        page.wait_for_url(re.compile(rf"/office/cases/{number}/$"))
        expect(page.locator("#form-decide")).to_be_visible()
        _choose(page, "#decide-approve")
        page.locator("#decide-reason").fill("材料齐全，信息经共享数据核验一致，予以办理。")
        _post(page, page.locator("#form-decide button[type=submit]"))
        expect(page.locator("#confirm-decision")).to_be_visible()  # a decision is confirmed
        _post(page, page.locator("#form-confirm button[type=submit]"))
        page.wait_for_url(re.compile(rf"/office/cases/{number}/$"))
        expect(page.locator("#case-decision")).to_be_visible()
        axe.check(page)


def test_newborn_bundle_online_to_one_delivery(cases_live_server, page, axe_journey):
    from onestop.cases.models import Case
    from onestop.notify.models import Notification
    from onestop.sharing.models import AccessRecord

    axe = axe_journey

    base = cases_live_server.url
    number, typed = _apply(page, base, axe)

    top, children = _cases(number)
    assert len(children) == 7
    assert len({c.department_id for c in children.values()}) == 5
    auto = children.pop(AUTO_ITEM)
    assert auto.auto_decided
    assert auto.decision == "approve"
    assert auto.status == Case.Status.COMPLETED
    assert sorted(children) == sorted(code for codes in OFFICERS.values() for code in codes)

    for username, codes in OFFICERS.items():
        _decide(page, base, axe, username, [children[code].number for code in codes])

    top, children = _cases(number)
    assert {c.status for c in children.values()} == {Case.Status.COMPLETED}
    assert top.status == Case.Status.COMPLETED
    # Every officer who opened the citizen's case is in the citizen's access records.
    for username, codes in OFFICERS.items():
        for code in codes:
            assert AccessRecord.objects.filter(
                actor__username=username,
                dataset="cases",
                subject_index=top.applicant_index,
                case_ref=children[code].number,
            ).exists(), (username, code)

    # The citizen: the application is completed, the results are listed, one notification.
    _login(page, base, "citizen")
    page.goto(base + "/me/cases/")
    expect(page.locator("#my-cases")).to_contain_text(number)
    axe.check(page)
    page.locator(f"#my-cases a:has-text('{number}')").click()
    page.wait_for_url(re.compile(r"/me/cases/[^/]+/$"))
    expect(page.locator("#my-case-status")).to_contain_text(_zh(Case.Status.COMPLETED.label))
    expect(page.locator("#my-case-items tbody tr")).to_have_count(7)
    axe.check(page, shot="cases-my-case")
    delivered = Notification.objects.filter(
        recipient=top.applicant, template="case.delivered", dedupe_key__endswith=str(top.pk)
    )
    assert delivered.count() == 1
    told = page.locator("#my-case-notifications li").filter(has_text=delivered.get().subject)
    expect(told).to_have_count(1)  # results delivered once, told once

    # The burden figures now come from this real case: nothing handed in, no visit.
    burden = page.request.get(base + "/api/v1/scenarios/newborn/burden").json()
    assert burden["cases"] == 1
    assert burden["bundled"]["materials"] == 0
    assert burden["bundled"]["visits"] == 0
    assert burden["bundled"]["forms"] == 1
    assert burden["bundled"]["fields_typed"] == typed  # the rest was pre-filled
    assert burden["baseline"]["forms"] == 8
    page.goto(base + "/scenarios/newborn/")
    expect(page.locator("#burden table")).to_be_visible()
    axe.check(page)
    axe.assert_clean()


def test_newborn_bundle_with_maternity_insurance(cases_live_server, page, axe_journey):
    """A parent has maternity insurance: the maternity benefit joins the bundle and asks for
    the insured parent's employer — named and explained where it is asked. Left empty, going
    on stops at a GOV.UK error summary (focused, "Error:" title) whose link puts the cursor in
    the field; filled in, the bundle is submitted and becomes a case with 8 items."""
    from onestop.cases.models import Case

    axe = axe_journey
    base = cases_live_server.url
    _start_newborn(page, base, axe)
    for question in ("hukou_here", "ss_card"):
        _choose(page, f"input[name={question}][value=yes]")
    # The question the maternity answer adds appears live, named and explained, unsaved.
    from onestop.catalog.models import Scenario

    schema = Scenario.objects.get(region_id="371121", slug="newborn").form_schema
    employer = schema["properties"]["employer_name"]["x-title"]["zh"]
    asked = page.locator("#extra-fields li").filter(has_text=employer)
    _choose(page, "input[name=maternity][value=no]")
    expect(asked).to_have_count(0)
    _choose(page, "input[name=maternity][value=yes]")
    expect(asked).to_have_count(1)
    because = _zh("Asked because you answered “%(answer)s” to “%(question)s”.")
    expect(asked).to_contain_text(because.split("“")[0])
    axe.check(page)
    _continue(page, "form")
    _post(page, page.locator("main button[name=action][value=prefill]"))
    employer = page.locator("#id_employer_name")
    expect(employer).to_have_attribute("aria-describedby", re.compile("id_employer_name-hint"))
    expect(page.locator("#id_employer_name-hint")).to_be_visible()  # what and why
    _fill_empty(page)
    employer.fill("")
    _post(page, page.locator("main form button[name=action][value=next]"))

    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    assert page.title().startswith(_zh("Error: "))
    expect(summary.locator("a")).to_have_count(1)
    axe.check(page, shot="cases-apply-error-summary")
    summary.locator("a[href='#id_employer_name']").click()
    expect(employer).to_be_focused()
    employer.fill("五莲县示例农业科技有限公司")
    _continue(page, "materials")
    _continue(page, "review")
    axe.check(page)
    _choose(page, "#id_declaration")  # the declaration (承诺) before submitting
    page.locator("main form button[value=submit]").click()
    page.wait_for_url(re.compile(r"/submitted/$"))
    expect(page.locator("main table tbody tr")).to_have_count(8)
    number = page.locator("main .usa-alert--success strong").first.inner_text().strip()
    top, children = _cases(number)
    assert top.status == Case.Status.ACCEPTED
    assert "37112100YB-JF-0001" in children  # the maternity benefit
    assert top.form_data["employer_name"] == "五莲县示例农业科技有限公司"
    _notifications_in_both_languages(page, base, axe, number)
    axe.assert_clean()


def _notifications_in_both_languages(page, base: str, axe, number: str) -> None:
    """ "My notifications": stored in the account's language (Chinese), shown in the page's."""
    page.goto(base + "/me/notifications/")
    expect(page.locator("main")).to_contain_text("申请已提交")
    english_context = page.context.browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}
    )
    english = english_context.new_page()
    _login(english, base, "citizen")
    english.goto(base + "/me/notifications/")
    told = english.locator("main .usa-card").filter(has_text=number)
    expect(told.locator("h2")).to_contain_text("Application submitted")
    expect(told).to_contain_text(f"has been submitted; its number is {number}")
    expect(told.locator("[lang='en']").first).to_be_visible()
    axe.check(english)
    english_context.close()
