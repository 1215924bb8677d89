"""Received elsewhere (异地代收代办) in a real browser, between two real nodes on loopback
(separate processes, data dirs, SQLite files and ports 8371/8372, ten up for each further test
process; tests/factories/nodes.py): Ganyu 320707 (R, where the walk-in is received) and Wulian
371121 (H, whose item it is).

The clerk at R's window looks the walk-in up by resident ID (her identity card checked here),
finds Wulian's certificate of no criminal record, fills in its form as H describes it, scans the
materials, confirms the originals were checked and forwards it; R's receipt names H. H's
officer finds the case in the department's queue and decides it. The result comes back to R's
window, where the clerk hands it over, and the citizen reads one history at home on R: R's
steps and H's. axe checks every screen, in Chinese and in English.

Messages are delivered with `onestop outbox deliver` (what the worker does, in the foreground).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories.nodes import ONESTOP, LiveNode, migrate_all, wait_until, worker_ports

# One worker runs the module (`--dist loadgroup`): its two nodes are made once.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("live-nodes-received-elsewhere-browser")]

R, H = "320707", "371121"
PORTS = dict(zip((R, H), worker_ports(8371, 8372), strict=True))
CODE = "37112100GA-GG-0003"  # 无犯罪记录证明开具, Wulian's public security bureau
CITIZEN_RID = "320721198404120203"  # Ganyu's demo citizen 周桂兰 (synthetic)
PASSWORD = "onestop-demo-2026"  # the demo seed's development password
STEPS = (
    "calendar org accounts datasets licence_types sharing-agreements catalog ledger "
    "workflow item-processes"
)
SEED = (
    "from django.db import transaction; from onestop.core import seeding; "
    f"wanted = '{STEPS}'.split(); "
    "[transaction.atomic()(step.run)() for step in seeding.steps() if step.name in wanted]; "
    "print('seeded')"
)
R_OUT = "ping catalog.search case.item case.forward case.supplement case.withdraw"
R_IN = "ping case.status"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _fingerprint(n: LiveNode) -> str:
    doc = json.loads(n.get("/.well-known/onestop-node.json"))
    key = next(k for k in doc["keys"] if k["use"] == "federation" and k["current"])
    return hashlib.sha256(base64.b64decode(key["public_key"])).hexdigest()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    made = {
        region: LiveNode(
            region,
            tmp_path_factory.mktemp(f"browser{region}"),
            port,
            extra_env={"FEDERATION_TIMEOUT": "10"},
        )
        for region, port in PORTS.items()
    }
    migrate_all(list(made.values()))
    r, h = made[R], made[H]
    # the pages need their static files (the manifest storage refuses a page without them):
    # collected once into R's data dir, which H's shares
    collect = subprocess.Popen(
        [*ONESTOP, "collectstatic", "--no-input", "-v", "0"],
        env=r.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seeding = [
        subprocess.Popen(  # both nodes at once
            [*ONESTOP, "shell", "-c", SEED],
            env=n.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in made.values()
    ]
    for process in [collect, *seeding]:
        out, _ = process.communicate(timeout=900)
        assert process.returncode == 0, out[-3000:]
    static = h.data_dir / "static"
    if static.is_dir() and not static.is_symlink():
        static.rmdir()  # made empty by its settings
    static.symlink_to(r.data_dir / "static")
    try:
        for n in made.values():
            n.start()
        for n in made.values():
            wait_until(n.answers, seconds=600, what=f"node {n.region} answering")
        r.run("peer", "add", h.url, "--fingerprint", _fingerprint(h))
        h.run("peer", "add", r.url, "--fingerprint", _fingerprint(r))
        r.run("peer", "allow", H, "--in-types", R_IN, "--out-types", R_OUT)
        h.run("peer", "allow", R, "--in-types", R_OUT, "--out-types", R_IN)
        yield made
    finally:
        for n in made.values():
            n.stop()


def _post(page: Any, control: Any) -> None:
    """Send a form and wait for the page it leads to."""
    with page.expect_navigation():
        control.click()


def _no_error(page: Any) -> None:
    alerts = page.locator("main .usa-alert--error").all_inner_texts()
    assert not alerts, alerts


def _sign_in(page: Any, base: str, username: str) -> None:
    """The login form, then (staff) the code of the demo authenticator that a development
    node shows on its second-factor page (each node is its own process and database)."""
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))
    if "/accounts/mfa/" in page.url:
        code = page.locator("main .usa-alert--info strong").inner_text().strip()
        page.locator("input[name=token]").fill(code)
        page.locator("main form.usa-form [type=submit]").first.click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/mfa/)"))


class BothLanguages:
    """axe on a screen as it is (Chinese, the default language), then the same screen again
    in English (the language cookie, as the language switcher sets it) and back."""

    def __init__(self, journey: Any) -> None:
        self.journey = journey

    def _language(self, page: Any, base: str, code: str) -> None:
        page.context.add_cookies([{"name": "django_language", "value": code, "url": base}])
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{code[:2]}"))

    def check(self, page: Any, base: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
        self.journey.check(page)
        self._language(page, base, "en")
        self.journey.check(page)
        self._language(page, base, "zh-hans")


def _fill_form(page: Any, form: Any) -> None:
    """Every field of the item's form as the handling node describes it."""
    for field in form.locator(
        "fieldset:first-of-type input.usa-input, fieldset:first-of-type textarea"
    ).all():
        if field.input_value():
            continue
        name = field.get_attribute("name") or ""
        kind = field.get_attribute("type")
        field.fill(
            "1"
            if kind == "number"
            else "2026-11-20"
            if kind == "date"
            else "13800138000"
            if "phone" in name or kind == "tel"
            else CITIZEN_RID
            if "id_number" in name or "resident" in name
            else "周桂兰"
            if "name" in name
            else "出国留学"
        )
    for select in form.locator("fieldset:first-of-type select").all():
        if not select.input_value():
            values = [o.get_attribute("value") for o in select.locator("option").all()]
            select.select_option(next(v for v in values if v))
    for box in form.locator("fieldset:first-of-type input[type=checkbox]").all():
        if not box.is_checked():
            page.locator(f"label[for='{box.get_attribute('id')}']").click()
    for radio in form.locator("fieldset:first-of-type input[type=radio]").all():
        group = radio.get_attribute("name")
        if not form.locator(f"input[type=radio][name='{group}']:checked").count():
            page.locator(f"label[for='{radio.get_attribute('id')}']").click()


def _receive(page: Any, base: str, both: BothLanguages, scan: str) -> str:
    """R's clerk: sits at a window, looks the walk-in up, finds H's item, forwards it.
    Returns the mirror's window page URL."""
    _sign_in(page, base, "clerk")
    page.goto(base + "/window/")
    page.locator("#w-window").select_option(index=0)
    _post(page, page.locator("form:has(#w-window) button[type=submit]"))
    expect(page.locator("#seat")).to_be_visible()
    page.locator("#w-rid").fill(CITIZEN_RID)
    page.locator("#w-name").fill("周桂兰")
    _post(page, page.locator("#lookup-form button[type=submit]"))
    expect(page.locator("#remote-form")).to_be_visible()
    both.check(page, base)

    page.locator("#remote-form #r-region").select_option(H)
    page.locator("#remote-form #r-q").fill(CODE)
    _post(page, page.locator("#remote-form button[type=submit]"))
    expect(page.locator("#remote-search")).to_be_visible()
    expect(page.locator("#walkin")).to_contain_text("周桂兰")
    both.check(page, base)

    # the item as H describes it (`case.item`); the search index is not seeded on H
    page.goto(base + f"/window/remote/{H}/{CODE}/")
    expect(page.locator("#handling-region")).to_contain_text(H)
    both.check(page, base)
    form = page.locator("#remote-apply")
    _fill_form(page, form)
    for scan_input in form.locator("input[type=file]").all():
        scan_input.set_input_files(scan)
    page.locator("label[for=delivery-window]").click()
    page.locator("label[for=r-checked]").click()
    expect(page.locator("#r-checked")).to_be_checked()
    _post(page, page.locator("#forward"))
    page.wait_for_url(re.compile(rf"/window/cases/{R}-"))
    _no_error(page)
    expect(page.locator("#handling")).to_contain_text(H)
    expect(page.locator("#papers a[href$='receipt.pdf']")).to_be_visible()
    receipt = page.request.get(
        base + page.locator("#papers a[href$='receipt.pdf']").get_attribute("href")
    )
    assert receipt.status == 200
    assert receipt.body().startswith(b"%PDF")
    both.check(page, base)
    return page.url


def _decide(page: Any, base: str, both: BothLanguages, number: str) -> None:
    """H's officer: the case in the department's queue, each task done, the decision."""
    _sign_in(page, base, "officer-ps")
    page.goto(base + "/office/")
    expect(page.locator("#queue")).to_contain_text(number)
    both.check(page, base)
    page.locator(f"#queue a[href='/office/cases/{number}/']").click()
    page.wait_for_url(re.compile(rf"/office/cases/{number}/$"))
    both.check(page, base)
    for _ in range(4):
        if page.locator("#form-pass").count():
            _post(page, page.locator("#form-pass button[value=pass]"))
        elif page.locator("#form-special").count():
            page.locator("#special-note").fill("核查无犯罪记录")
            _post(page, page.locator("#form-special button[type=submit]"))
        elif page.locator("#form-decide").count():
            page.locator("label[for=decide-approve]").click()
            page.locator("#decide-reason").fill("经核查，申请人无犯罪记录，予以出具证明。")
            _post(page, page.locator("#form-decide button[type=submit]"))
            expect(page.locator("#confirm-decision")).to_be_visible()
            both.journey.check(page)  # the answer to a POST: not reloaded in English
            _post(page, page.locator("#form-confirm button[type=submit]"))
        else:
            break
        _no_error(page)
    expect(page.locator("#case-decision")).to_be_visible()
    both.check(page, base)


def test_received_at_a_window_of_one_node_decided_on_another(
    nodes: dict[str, LiveNode], page: Any, axe_journey: Any, tmp_path: Any
) -> None:
    try:
        _journey(nodes, page, axe_journey, tmp_path)
    except BaseException:
        print(f"stopped at {page.url}:\n{page.locator('body').inner_text()[:3000]}")  # noqa: T201
        raise


def _journey(nodes: dict[str, LiveNode], page: Any, axe_journey: Any, tmp_path: Any) -> None:
    r, h = nodes[R], nodes[H]
    both = BothLanguages(axe_journey)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)

    mirror_url = _receive(page, r.url, both, str(scan))
    number = mirror_url.rstrip("/").rsplit("/", 1)[-1]
    r.run("outbox", "deliver")  # case.forward: H makes the case and acknowledges it
    h.run("outbox", "deliver")  # case.status "accepted": R learns H's number
    page.goto(mirror_url)
    handled = page.locator("#handling").inner_text()
    remote = re.search(rf"{H}-\d{{8}}-\d{{5}}", handled)
    assert remote, handled
    on_h = json.loads(
        h.shell(
            "import json; from onestop.cases.models import Case; "
            f"c = Case.objects.get(number='{remote.group(0)}'); "
            "print(json.dumps({'receiving': c.receiving_region, "
            "'channel': c.remote_item.get('channel')}))"
        )
    )
    assert on_h["receiving"] == R
    assert on_h["channel"] == "window"

    _decide(page, h.url, both, remote.group(0))
    h.run("outbox", "deliver")  # case.status "completed": the result is at R's window

    # R's clerk hands the certificate over at the window
    _sign_in(page, r.url, "clerk")
    page.goto(mirror_url)
    expect(page.locator("#remote-status")).to_contain_text("办结")
    expect(page.locator("#collect")).to_be_visible()
    both.check(page, r.url)
    _post(page, page.locator("#collect button[type=submit]").first)
    _no_error(page)
    expect(page.locator("#collect")).to_have_count(0)
    both.check(page, r.url)

    # the citizen at home on R: one history, R's steps and H's
    _sign_in(page, r.url, "citizen")
    page.goto(r.url + f"/me/cases/{number}/")
    timeline = page.locator("#my-case-timeline")
    expect(timeline).to_contain_text(remote.group(0))  # accepted by H as its case …
    expect(timeline).to_contain_text(H)
    both.check(page, r.url)
    page.set_viewport_size({"width": 390, "height": 844})  # a citizen page: at phone width
    both.check(page, r.url)
    axe_journey.assert_clean()
