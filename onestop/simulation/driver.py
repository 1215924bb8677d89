"""The demo simulator: weeks of a region's life, replayed through the real services.

`simulate(days=N, seed=S)` walks the last N days one by one. Each day, with the process clock
moved to that day's working hours (`core.clock.travel`), the people of the region act as they
would through the portal, the window, the hotline and the consoles — always by calling the
services those screens call, never by writing rows:

- citizens and businesses apply for the region's "one thing" scenarios online (draft, variant
  answers, pre-fill, form, uploads, `case_submit` with the pledge) and walk-ins at the window
  (look-up, `application_start`, materials checked on paper; some get a one-time notice first
  and come back the next working day, some pledge a non-key material);
- officers of each department work the engine's tasks the office console shows them
  (`case_task_view` → `task_complete`: review, decide), now and then asking for a supplement,
  which the applicant answers online or at the window;
- 12345 orders come in by phone (agents), on the portal (citizens) and over Open311 (the demo
  client); agents answer consultations on the call or dispatch, departments sign for, handle
  and reply, agents call back (now and then the caller is unsatisfied and the order reopens);
- applicants rate finished applications, callers rate at the call-back; a bad rating runs its
  rectification (call-back, result, the reviewer's acceptance);
- at the end of each day the periodic ticks run as the worker would (case time limits, hotline
  escalation, reviews and their daily public figures, benefits checks — offers made are now
  and then confirmed — hotspots).

Which scenario, channel and person come next is drawn from one `random.Random(seed)`, so a
seed gives the same region. Staff the demo seed did not create (an officer for every
department the scenarios need) are created through `accounts.services.staff_create`.
"""

from __future__ import annotations

import datetime
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts import services as accounts_services
from onestop.benefits import selectors as benefits_selectors
from onestop.benefits import services as benefits_services
from onestop.cases import clock as case_clock
from onestop.cases import selectors as case_selectors
from onestop.cases import services as case_services
from onestop.cases import uploads
from onestop.cases.services.forms import identifier_kind
from onestop.catalog import selectors as catalog_selectors
from onestop.core import calendar, clock
from onestop.core.actors import SYSTEM
from onestop.core.errors import DomainError
from onestop.hotline import selectors as hotline_selectors
from onestop.hotline import services as hotline_services
from onestop.insights import rollups
from onestop.insights import services as insights_services
from onestop.open311 import selectors as open311_selectors
from onestop.open311 import services as open311_services
from onestop.org import selectors as org_selectors
from onestop.org import services as org_services
from onestop.reviews import selectors as review_selectors
from onestop.reviews import services as review_services
from onestop.reviews import tasks as review_tasks
from onestop.sharing import services as sharing_services
from onestop.simulation import people

logger = logging.getLogger(__name__)

# The smallest valid PDF the upload check accepts (materials are read by content).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STAFF_PASSWORD = "onestop-demo-2026"  # noqa: S105 - the demo seed's published one
OPEN311_KEY = "demo-open311-key"  # the demo Open311 client (open311/seed.py)
DECISION_REASON = "材料齐全，经共享数据核验，予以办理。"
REJECT_REASON = "经核查，申请人不符合办理条件。"
SUPPLEMENT_REASON = (
    "所交材料复印件不清晰，请补正。(The copy is illegible; please provide it again.)"
)
BAD_TEXT = "等了很久，材料还被要求交了两次。"
HOTLINE_TEXTS = {
    "consultation": [
        "请问办理{thing}需要带哪些材料？",
        "{thing}可以在网上办理吗？需要多长时间？",
    ],
    "complaint": [
        "{place}某小区楼下夜间施工噪声扰民，已持续一周。",
        "{place}路口垃圾多日无人清运，气味很大。",
        "{place}某工地拖欠农民工工资三个月。",
    ],
    "assistance": [
        "{place}某村自来水停水一天了，没有接到通知。",
        "{place}路灯坏了一排，晚上出行不安全。",
    ],
    "suggestion": ["建议在{place}增设公交站点，方便群众出行。"],
}
# The 12345 channels, taken in turn: agents type phone, app and mini-program requests in.
ORDER_CHANNELS = ("phone", "portal", "open311", "phone", "app", "mini-program")
# Service answers that are no refusal: the step stored nothing and may be tried again
# (`workflow.services.RulesTimeout`), at most RETRIES times more.
TRANSIENT = frozenset({"rules_timeout"})
RETRIES = 3
# The simulated residents with accounts (besides the demo citizen): of the region's age spread.
CITIZENS = 6
THINGS = ["营业执照", "社保卡", "新生儿落户", "不动产登记", "退休手续", "居住证"]


@dataclass
class Tracked:
    """An application the simulation follows: its top case and who acts for the applicant."""

    top: Any
    applicant: Any  # the account (online), or None (a walk-in without account)
    clerk: Any  # the clerk who accepted it (window), or None
    window: Any = None
    next_day: datetime.date | None = None  # officers act on it from this day
    rated: bool = False


@dataclass
class OrderTracked:
    order: Any
    caller: Any = None  # the citizen who filed it on the portal, signed in
    next_day: datetime.date | None = None


@dataclass
class Summary:
    days: int = 0
    seed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    scenarios: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # refused by a service
    retried: Counter[str] = field(default_factory=Counter)  # transient failures tried again
    arrivals: list[tuple[str, ...]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "seed": self.seed,
            "counts": dict(sorted(self.counts.items())),
            "scenarios": dict(sorted(self.scenarios.items())),
            "errors": dict(sorted(self.errors.items())),
            "retried": dict(sorted(self.retried.items())),
            "arrivals": len(self.arrivals),
        }


class _Resume:
    """What a step of several service calls already did, kept across its retries: `once(name,
    fn)` calls `fn` the first time and answers its result after (a retried online application
    goes on with the draft it made, with the answers it drew)."""

    def __init__(self) -> None:
        self.done: dict[str, Any] = {}

    def once(self, name: str, fn: Callable[[], Any]) -> Any:
        if name not in self.done:
            self.done[name] = fn()
        return self.done[name]


class Simulation:
    def __init__(
        self,
        *,
        days: int,
        seed: int,
        per_day: int = 3,
        orders_per_day: int = 3,
        today: datetime.date | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.days = days
        # Streams from the seed (reproducible demo data, not secrets): `plan` draws
        # who comes, when, by which channel and for what; `rng` how people and staff act on
        # it. The arrivals stay the same even when a service refuses a step on one run.
        self.plan = random.Random(seed)  # noqa: S311
        self.rng = random.Random(seed + 1_000_003)  # noqa: S311
        # The holders' answers to benefit offers draw from a stream of their own: which offers
        # the evening's checks made depends on the rules engine keeping its deadline, and that
        # must not change what the officers and applicants do next.
        self.offer_rng = random.Random(seed + 2_000_003)  # noqa: S311
        self.seed = seed
        self.per_day = per_day
        self.orders_per_day = orders_per_day
        self.today = today or timezone.localdate()
        self.say = say or (lambda _text: None)
        self.region = str(settings.NODE_REGION)
        self.summary = Summary(days=days, seed=seed)
        self.cases: list[Tracked] = []
        self.later: list[tuple[datetime.date, Tracked]] = []  # walk-ins back after a notice
        self.orders: list[OrderTracked] = []
        self.rectifications: list[tuple[Any, Any]] = []  # (rectification, reviewer)
        self.serial = 0
        self.arrivals = 0  # applications so far: the scenarios are taken in turn
        self.last_who = ""
        self.order_count = 0

    # --- the cast --------------------------------------------------------------------------

    def cast(self) -> None:
        users = accounts_selectors.users_by_username(
            ["admin", "clerk", "agent", "supervisor", "citizen", "business"]
        )
        missing = {"admin", "clerk", "agent", "citizen", "business"} - set(users)
        if missing:
            raise DomainError(
                f"the demo seed has not run here (missing accounts: {', '.join(sorted(missing))});"
                " run `onestop seed_demo` first",
                code="not_seeded",
            )
        self.users = users
        self.scenarios = list(catalog_selectors.scenario_list(region=self.region))
        if not self.scenarios:
            raise DomainError("this region has no scenarios to apply for", code="not_seeded")
        self.windows = list(case_selectors.windows_for_clerk(actor=users["clerk"]))
        self.officers: dict[str, Any] = {}
        for role in accounts_selectors.role_holders(role="department_officer"):
            if role.department_id:
                self.officers.setdefault(role.department_id, role.user)
        self.citizens = [users["citizen"], *self._register_citizens(CITIZENS)]
        self.businesses = [users["business"], *self._register_businesses(2)]
        self.client = open311_selectors.client_authenticate(key=OPEN311_KEY)
        self.service_codes = sorted(open311_selectors.public_service_codes())
        # The categories a department of this region owns (the agent dispatches to it).
        self.owners: dict[str, str] = {}
        for category in hotline_selectors.category_list():
            if category.level != 2 or not category.default_kind_id:
                continue
            try:
                owner = (
                    org_selectors.department_list(region=self.region, kind=category.default_kind_id)
                    .order_by("code")
                    .first()
                )
            except DomainError:  # a kind no department of the catalogue has
                continue
            if owner is not None:
                self.owners[category.code] = owner.code
        self.categories = [c for c in hotline_selectors.category_list() if c.code in self.owners]

    def _key(self, what: str) -> str:
        self.serial += 1
        return f"sim-{self.seed}-{what}-{self.serial}"

    def _register_citizens(self, count: int) -> list[Any]:
        """`count` residents with accounts, of the region's age spread (drawn by quantiles of
        `people.AGE_BANDS`, so that even a small cast has its seniors: with six, one or two
        are 60 or older). Each is in the population register before opening an account."""
        made = []
        for n in range(count):
            username = f"sim-{self.seed}-citizen-{n + 1}"
            found = accounts_selectors.users_by_username([username]).get(username)
            if found is None:
                years = people.age(self.rng, quantile=(n + self.rng.random()) / count)
                real_name = people.name(self.rng)
                female = self.rng.random() < 0.5
                born = people.birth_date(self.rng, years, timezone.localdate())
                rid = people.resident_id(self.rng, self.region, born, female=female)
                self.resident_registered(rid, real_name, born, female=female)
                found = accounts_services.citizen_register(
                    username=username,
                    password=STAFF_PASSWORD,
                    real_name=real_name,
                    resident_id=rid,
                    phone=people.phone(self.rng),
                )
                self.summary.counts["citizens registered"] += 1
                if years >= 60:
                    self.summary.counts["citizens registered aged 60+"] += 1
                self.verify_at_window(found)
            made.append(found)
        return made

    def resident_registered(
        self, rid: str, real_name: str, born: datetime.date, *, female: bool
    ) -> None:
        """The public-security bureau's feed puts the person's resident-ID record into the
        `resident-id` dataset (`sharing.services.record_upsert`, as every provider's feed
        does), where the benefits rules read the date of birth (免申即享)."""
        try:
            region = org_selectors.region_get(code=self.region)
            county = region.name_zh
        except DomainError:
            county = ""
        township = self.rng.choice(people.TOWNSHIPS)
        self.step(
            "resident records fed",
            lambda: sharing_services.record_upsert(
                actor=SYSTEM,
                dataset="resident-id",
                subject=rid,
                subject_kind="person",
                data={
                    "id_number": rid,
                    "name": real_name,
                    "gender": "女" if female else "男",
                    "ethnicity": "汉",
                    "birth_date": born.isoformat(),
                    "address": f"{county}{township}{self.rng.randint(1, 200)}号",
                    "issuing_authority": f"{county}公安局",
                    "valid_from": "2016-05-10",
                    "valid_until": "2036-05-10",
                },
            ),
        )

    def _register_businesses(self, count: int) -> list[Any]:
        made = []
        for n in range(count):
            username = f"sim-{self.seed}-business-{n + 1}"
            found = accounts_selectors.users_by_username([username]).get(username)
            if found is None:
                found = accounts_services.business_register(
                    username=username,
                    password=STAFF_PASSWORD,
                    real_name=people.name(self.rng),
                    uscc=people.credit_code(self.rng, self.region),
                    organisation_name=people.enterprise(
                        self.rng, self.rng.choice(people.TOWNSHIPS)
                    ),
                )
                self.summary.counts["businesses registered"] += 1
                self.verify_at_window(found)
            made.append(found)
        return made

    def verify_at_window(self, user: Any) -> None:
        """A new account's holder shows the ID card at a window (real-name level 3), after
        which the services may use the government's data about them."""
        if not self.windows:
            return
        self.step(
            "identities verified at the window",
            lambda: accounts_services.assurance_raise(
                actor=self.users["clerk"],
                user=user,
                level=3,
                method="window",
                evidence="resident ID card",
                centre=self.windows[0].centre,
            ),
        )

    def officer_of(self, department_id: str | None) -> Any:
        """The officer of `department_id`; a department the demo seed left without one gets a
        simulated officer, created by the region's administrator."""
        if not department_id:
            return None
        if department_id not in self.officers:
            kind = department_id.removeprefix(f"{self.region}-")
            username = f"sim-officer-{kind}"[:150]
            found = accounts_selectors.users_by_username([username]).get(username)
            if found is None:
                found = accounts_services.staff_create(
                    actor=self.users["admin"],
                    username=username,
                    password=STAFF_PASSWORD,
                    real_name=people.name(self.rng),
                    roles=[("department_officer", self.region, department_id)],
                )
                self.summary.counts["officers created"] += 1
            self.officers[department_id] = found
        return self.officers[department_id]

    # --- the days ---------------------------------------------------------------------------

    def run(self) -> Summary:
        start = self.today - datetime.timedelta(days=self.days - 1)
        with clock.travel(self.at(start, 8)):  # the simulated people join on the first day
            self.cast()
        for offset in range(self.days):
            day = start + datetime.timedelta(days=offset)
            self.day(day, index=offset)
            self.say(f"{day}: {sum(self.summary.counts.values())} steps so far")
        # The rows are stamped with the simulated days, which the worker's rollup may already
        # have marked (empty) before the run, and an old save never looks "changed since the
        # last roll": the simulated days are rolled again, as after an import
        # (`onestop insights_rollup`), so the dashboards read them. The public review figures
        # are refreshed once a day by the worker, often while the run was still writing.
        days = [start + datetime.timedelta(days=n) for n in range(self.days)]
        rollups.roll_days(region=self.region, days=days)
        review_services.stats_refresh()
        return self.summary

    def at(self, day: datetime.date, hour: float) -> datetime.datetime:
        """`hour` o'clock of `day`; on the last day (today) never later than the real time: what
        the day would still bring happens now, in order, so that nothing is stamped in the
        future (the worker and the people using the node carry on from there)."""
        moment = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(hours=hour)
        return min(timezone.make_aware(moment), clock.wall())

    def step(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one person's action; a refusal by a service is counted (and the region goes on,
        as it would when a citizen gives up), never hidden.

        A step the service answered with a transient failure (`TRANSIENT`: the rules engine
        passed its deadline on a busy machine, and by its contract stored nothing) is tried
        again, as a person presses the button again, up to `RETRIES` times, and counted in
        `Summary.retried`, not as a refusal. Retrying is safe because the steps are: every
        submission carries an idempotency key drawn once, before the step; an officer's step
        the version it was made on; and a step of several calls (a draft, then its submission)
        keeps what it already did (`_Resume`). No random draw is repeated, so a retried run
        leaves the same region."""
        for attempt in range(RETRIES + 1):
            try:
                result = fn()
            except DomainError as error:
                if error.code in TRANSIENT and attempt < RETRIES:
                    self.summary.retried[f"{what}: {error.code}"] += 1
                    logger.info("simulated %s: %s, trying again", what, error.code)
                    continue
                self.summary.errors[f"{what}: {error.code}"] += 1
                logger.info("simulated %s refused: %s %s", what, error, error.details or "")
                return None
            self.summary.counts[what] += 1
            return result
        return None  # pragma: no cover - the loop returns

    def day(self, day: datetime.date, *, index: int) -> None:
        workday = calendar.is_working_day(day)
        with clock.travel(self.at(day, 8.5)):
            self.office_work(day)
        with clock.travel(self.at(day, 9.5)):
            self.supplements_due(day)
            for when, tracked in [x for x in self.later if x[0] <= day]:
                self.later.remove((when, tracked))
                if workday:
                    self.window_return(tracked, day)
                else:
                    self.later.append((day + datetime.timedelta(days=1), tracked))
            arrivals = self.per_day if workday else max(1, self.per_day // 3)
            for _n in range(arrivals):
                scenario = self.scenarios[self.arrivals % len(self.scenarios)]
                self.arrivals += 1
                if workday and self.plan.random() < 0.45:
                    self.window_application(scenario, day)
                else:
                    self.online_application(scenario, day)
                self.summary.arrivals.append((day.isoformat(), scenario.slug, self.last_who))
        with clock.travel(self.at(day, 11)):
            self.hotline_day(day, workday=workday)
        with clock.travel(self.at(day, 15)):
            self.ratings(day)
            self.benefit_answers()
        with clock.travel(self.at(day, 16.5)):
            self.office_work(day)  # the afternoon round: the same-day (即办) items among them
        with clock.travel(self.at(day, 18)):
            self.ticks()

    # --- applications -----------------------------------------------------------------------

    def answers(self, scenario: Any) -> dict[str, Any]:
        """The applicant's answers to the scenario's questions: any options, as long as they
        leave an item to apply for (a citizen whose answers need nothing does not apply)."""
        codes = {item.code for item in catalog_selectors.scenario_items(scenario=scenario)}
        chosen: dict[str, Any] = {}
        for _attempt in range(8):
            chosen = {
                q["key"]: self.rng.choice([o["value"] for o in q.get("options", [])])
                for q in scenario.variants or []
                if q.get("options")
            }
            if codes - catalog_selectors.excluded_items(scenario=scenario, answers=chosen):
                break
        return chosen

    def fill(self, case: Any) -> dict[str, Any]:
        """A plausible value for every field of the case's form still empty."""
        schema = case_selectors.case_form_schema(case=case)
        data = case.top.form_data or {}
        values: dict[str, Any] = {}
        for key, prop in (schema.get("properties") or {}).items():
            if data.get(key) not in (None, "") or not isinstance(prop, dict):
                continue
            kind = identifier_kind(key, prop)
            if prop.get("enum"):
                values[key] = self.rng.choice(prop["enum"])
            elif prop.get("type") in ("number", "integer"):
                values[key] = self.rng.randint(1, 5)
            elif prop.get("type") == "boolean":
                values[key] = True
            elif prop.get("format") == "date":
                values[key] = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
            elif "phone" in key:
                values[key] = people.phone(self.rng)
            elif kind == "resident-id":
                values[key] = people.resident_id(self.rng, self.region)
            elif kind == "uscc":
                values[key] = people.credit_code(self.rng, self.region)
            else:
                values[key] = str(prop.get("title") or key)[:40]
        return values

    def applicant_for(self, scenario: Any) -> Any:
        pool = self.businesses if scenario.audience == "enterprise" else self.citizens
        return self.plan.choice(pool)

    def online_application(self, scenario: Any, day: datetime.date) -> None:
        applicant = self.applicant_for(scenario)
        self.last_who = f"online {applicant.username}"

        key = self._key("online")
        resume = _Resume()

        def apply() -> Any:
            case = resume.once(
                "draft",
                lambda: case_services.draft_start(
                    actor=applicant, scenario=scenario, allow_duplicate=True
                ),
            )
            answers = resume.once("answers", lambda: self.answers(scenario))
            case = resume.once(
                "answered",
                lambda: case_services.draft_save(
                    actor=applicant, case=case, variant_answers=answers
                ),
            )
            case = resume.once(
                "prefilled", lambda: case_services.prefill_apply(actor=applicant, case=case)
            )
            values = resume.once("values", lambda: self.fill(case))
            case = resume.once(
                "filled",
                lambda: case_services.draft_save(actor=applicant, case=case, form_data=values),
            )
            for material in case.materials.filter(required=True, mode="missing"):
                upload = SimpleUploadedFile(
                    f"{material.key}.pdf", PDF, content_type="application/pdf"
                )
                uploads.material_upload(actor=applicant, case=case, key=material.key, file=upload)
            return case_services.case_submit(
                actor=applicant,
                case=case,
                idempotency_key=key,
                declaration=str(case_services.DECLARATION),
            )

        top = self.step("applications online", apply)
        if top is not None:
            self.summary.scenarios[scenario.slug] += 1
            self.cases.append(Tracked(top, applicant, None, next_day=self.first_visit(top, day)))

    def later_day(self, day: datetime.date) -> datetime.date:
        return day + datetime.timedelta(days=self.rng.choice((0, 1, 1, 2, 3)))

    def first_visit(self, top: Any, day: datetime.date) -> datetime.date:
        """When officers first open a new case: one with an item promised the same day (即办,
        0 working days) that afternoon, as a centre does; the others from a later day."""
        items = case_selectors.children(case=top) or [top]
        if any(item.promised_days == 0 for item in items):
            return day
        return self.later_day(day)

    def window_application(self, scenario: Any, day: datetime.date) -> None:
        """A walk-in takes a number at the centre's kiosk for the scenario, waits, is called to
        a window, and the clerk starts the application with that ticket."""
        self.last_who = "window (no window)"
        if not self.windows:
            return
        clerk = self.users["clerk"]
        window = self.plan.choice(self.windows)
        resident_id = people.resident_id(self.plan, self.region)
        name = people.name(self.plan)
        self.last_who = f"window {name}"
        self.step(
            "queue numbers taken",
            lambda: org_services.ticket_take(
                actor=AnonymousUser(), centre=window.centre, purpose_ref=f"scenario:{scenario.slug}"
            ),
        )
        waited = datetime.timedelta(minutes=self.rng.randint(2, 45))
        with clock.travel(timezone.now() + waited):
            ticket = self.step(
                "queue numbers called",
                lambda: org_services.ticket_call_next(actor=clerk, window=window),
            )

            contact = people.phone(self.rng)
            resume = _Resume()

            def start() -> Any:
                walkin = case_services.walkin_lookup(
                    actor=clerk, resident_id=resident_id, name=name, phone=contact
                )
                case = resume.once(
                    "draft",
                    lambda: case_services.application_start(
                        actor=clerk,
                        walkin=walkin,
                        scenario=scenario,
                        window=window,
                        name=name,
                        ticket_id=ticket.pk if ticket is not None else None,
                        allow_duplicate=True,
                    ),
                )
                answers = resume.once("answers", lambda: self.answers(scenario))
                case = resume.once(
                    "answered",
                    lambda: case_services.draft_save(
                        actor=clerk, case=case, variant_answers=answers
                    ),
                )
                values = resume.once("values", lambda: self.fill(case))
                return case_services.draft_save(actor=clerk, case=case, form_data=values)

            case = self.step("window drafts", start)
            if case is None:
                return
            tracked = Tracked(case, None, clerk, window=window)
            self.summary.scenarios[scenario.slug] += 1
            if self.rng.random() < 0.3:
                done = self.step(
                    "one-time notices",
                    lambda: case_services.window_notice(actor=clerk, case=case, window=window),
                )
                if done is not None:
                    self.later.append((calendar.add_working_days(day, 1), tracked))
                    return
            self.window_accept(tracked, day)

    def window_return(self, tracked: Tracked, day: datetime.date) -> None:
        self.window_accept(tracked, day)

    def window_accept(self, tracked: Tracked, day: datetime.date) -> None:
        clerk, case = tracked.clerk, tracked.top
        pledge_due = None
        missing = list(case.materials.filter(mode="missing").order_by("key"))
        for material in missing:
            mode = "paper"
            if pledge_due is None and not material.key_material and self.rng.random() < 0.6:
                mode, pledge_due = "pledged", calendar.add_working_days(day, 5)
            self.step(
                "materials checked at the window",
                partial(
                    case_services.material_check,
                    actor=clerk,
                    case=case,
                    key=material.key,
                    mode=mode,
                ),
            )
        key = self._key("window")
        top = self.step(
            "applications at the window",
            lambda: case_services.window_accept(
                actor=clerk,
                case=case,
                window=tracked.window,
                pledge_due=pledge_due,
                idempotency_key=key,
            ),
        )
        if top is not None:
            if pledge_due is not None:
                self.summary.counts["pledges"] += 1
            tracked.top, tracked.next_day = top, self.first_visit(top, day)
            self.cases.append(tracked)

    # --- the departments --------------------------------------------------------------------

    def office_work(self, day: datetime.date) -> None:
        for tracked in list(self.cases):
            if tracked.next_day is None or tracked.next_day > day:
                continue
            top = tracked.top
            top.refresh_from_db()
            if top.status in ("completed", "rejected", "withdrawn"):
                continue
            for item in case_selectors.children(case=top) or [top]:
                # An officer who opens a case works its ready tasks (review, then decision)
                # on one visit, as the console allows; a supplement request ends the visit.
                for _task in range(3):
                    if not self.officer_step(tracked, item, day):
                        break
                    item.refresh_from_db()
            tracked.next_day = self.later_day(day + datetime.timedelta(days=1))

    def officer_step(self, tracked: Tracked, item: Any, day: datetime.date) -> bool:
        """One step on `item`: the applicant's supplement, or the officer's ready task; whether
        the officer may go on to the next task."""
        if item.status == "supplement":
            return False  # the applicant's turn (`supplements_due`)
        if item.task_lane != "department":
            return False
        officer = self.officer_of(item.department_id)
        if officer is None:
            return False
        view = case_selectors.case_task_view(case=item)
        tasks = [t for t in view["tasks"] if t.lane == "department"]
        if not tasks:
            return False
        task = tasks[0]
        # The office console's form: one of the actions it offers for this task.
        if task.name == "review":
            action = "supplement" if self.rng.random() < 0.12 else "pass"
        elif task.name == "special_step":
            action = "special_pass"
        elif task.name == "decide":
            action = "approve" if self.rng.random() < 0.94 else "reject"
        else:
            return False
        keys: list[str] = []
        reason = DECISION_REASON
        if action == "supplement":
            reason = SUPPLEMENT_REASON
            keys = list(
                tracked.top.materials.filter(mode__in=("upload", "paper"))
                .order_by("key")
                .values_list("key", flat=True)[:1]
            )
        elif action == "reject":
            reason = REJECT_REASON
        what = "supplements requested" if action == "supplement" else f"officer steps ({action})"
        done = self.step(
            what,
            lambda: case_services.task_act(
                actor=officer,
                case=item,
                task_id=task.id,
                action=action,
                expected_version=view["version"],
                reason=reason,
                materials=keys,
            ),
        )
        return done is not None and action != "supplement"

    def supplements_due(self, day: datetime.date) -> None:
        """Applicants answer the supplement requests of the days before."""
        for tracked in self.cases:
            if tracked.top.status in ("completed", "rejected", "withdrawn"):
                continue
            for item in case_selectors.children(case=tracked.top) or [tracked.top]:
                if item.status != "supplement":
                    continue
                asked = item.supplements.filter(answered_at__isnull=True).order_by("-pk").first()
                if asked is not None and timezone.localtime(asked.requested_at).date() < day:
                    self.supplement_answer(tracked, item)

    def supplement_answer(self, tracked: Tracked, item: Any) -> None:
        top = tracked.top
        supplement = item.supplements.filter(answered_at__isnull=True).order_by("-pk").first()
        keys = list(supplement.materials) if supplement is not None else []
        if tracked.applicant is not None:
            applicant = tracked.applicant

            def online() -> Any:
                for key in keys:
                    upload = SimpleUploadedFile(f"{key}.pdf", PDF, content_type="application/pdf")
                    uploads.material_upload(actor=applicant, case=top, key=key, file=upload)
                return case_services.supplement_answer(
                    actor=applicant, case=item, note="已重新上传。"
                )

            self.step("supplements answered online", online)
            return

        def window() -> Any:
            for key in keys:
                case_services.material_check(actor=tracked.clerk, case=top, key=key, mode="paper")
            return case_services.window_supplement_answer(actor=tracked.clerk, case=top)

        self.step("supplements answered at the window", window)

    # --- 12345 ------------------------------------------------------------------------------

    def _department_for(self, category: Any) -> str:
        return self.owners.get(category.code, "")

    def hotline_day(self, day: datetime.date, *, workday: bool) -> None:
        for tracked in list(self.orders):
            self.order_step(tracked, day)
        arrivals = self.orders_per_day if workday else max(1, self.orders_per_day // 2)
        for _n in range(arrivals):
            self.new_order(day)

    def _order_text(self, kind: str) -> str:
        template = self.plan.choice(HOTLINE_TEXTS[kind])
        return template.format(
            place=self.plan.choice(people.TOWNSHIPS), thing=self.plan.choice(THINGS)
        )

    def new_order(self, day: datetime.date) -> None:
        kind = self.plan.choice(
            ["consultation", "complaint", "complaint", "assistance", "suggestion"]
        )
        category = self.plan.choice(self.categories)
        township = self.plan.choice(people.TOWNSHIPS)
        channel = ORDER_CHANNELS[self.order_count % len(ORDER_CHANNELS)]  # in turn, like scenarios
        self.order_count += 1
        text = self._order_text(kind)
        caller = None
        self.summary.arrivals.append((day.isoformat(), category.code, channel, kind, text))
        if channel == "open311" and self.client is not None and self.service_codes:
            key = self._key("open311")
            data = open311_services.RequestIn(
                service_code=self.plan.choice(self.service_codes),
                description=text,
                address_string=f"五莲县{township}",
                phone=people.phone(self.plan),
                first_name=people.name(self.plan),
            )
            order = self.step(
                "12345 orders (open311)",
                lambda: open311_services.request_create(
                    client=self.client, data=data, idempotency_key=key
                ),
            )
        elif channel == "portal":
            caller = self.plan.choice(self.citizens)
            key, contact = self._key("portal"), people.phone(self.plan)
            order = self.step(
                "12345 orders (portal)",
                lambda: hotline_services.ticket_file(
                    actor=caller,
                    request_type=kind,
                    category=category.code,
                    description=text,
                    contact_phone=contact,
                    contact_name=caller.real_name,
                    township=township,
                    idempotency_key=key,
                ),
            )
        else:
            key, contact = self._key("phone"), people.phone(self.plan)
            contact_name = people.name(self.plan)
            order = self.step(
                f"12345 orders ({channel})",
                lambda: hotline_services.ticket_create(
                    actor=self.users["agent"],
                    channel=channel,
                    request_type=kind,
                    category=category,
                    description=text,
                    contact_phone=contact,
                    contact_name=contact_name,
                    township=township,
                    region=self.region,
                    idempotency_key=key,
                ),
            )
        if order is not None:
            tracked = OrderTracked(order, caller, next_day=day)
            self.orders.append(tracked)
            self.order_step(tracked, day)  # the agent answers or dispatches it at intake

    def order_step(self, tracked: OrderTracked, day: datetime.date) -> None:
        if tracked.next_day is None or tracked.next_day > day:
            return
        order = tracked.order
        order.refresh_from_db()
        agent = self.users["agent"]
        status = order.status
        tracked.next_day = day + datetime.timedelta(days=self.rng.choice((0, 1, 1, 2)))
        if status == "new":
            if order.request_type == "consultation" and self.rng.random() < 0.6:
                self.step(
                    "12345 answered on the call",
                    lambda: hotline_services.ticket_answer_on_spot(
                        actor=agent, order=order, text="已按办事指南告知所需材料和办理地点。"
                    ),
                )
                self.orders.remove(tracked)
                return
            department = self._department_for(order.category)
            if not department:
                return  # an agent will find the owner; the simulation leaves it waiting
            self.officer_of(department)
            self.step(
                "12345 dispatched",
                lambda: hotline_services.ticket_dispatch(
                    actor=agent, order=order, department=department
                ),
            )
        elif status == "dispatched":
            # The department signs for it and starts on it on the same visit.
            officer = self.officer_of(order.lead_department_id)
            signed = self.step(
                "12345 signed for",
                lambda: hotline_services.ticket_sign_for(actor=officer, order=order),
            )
            if signed is not None:
                self.step(
                    "12345 started",
                    lambda: hotline_services.ticket_start(actor=officer, order=signed),
                )
        elif status == "signed":
            officer = self.officer_of(order.lead_department_id)
            self.step(
                "12345 started", lambda: hotline_services.ticket_start(actor=officer, order=order)
            )
        elif status == "in_progress":
            officer = self.officer_of(order.lead_department_id)
            self.step(
                "12345 replied",
                lambda: hotline_services.ticket_reply(
                    actor=officer, order=order, text="已到现场核实处理，问题已解决。"
                ),
            )
        elif status == "replied":
            satisfied = self.rng.random() < 0.85
            done = self.step(
                "12345 call-backs",
                lambda: hotline_services.ticket_callback(
                    actor=agent, order=order, satisfied=satisfied, resolved=satisfied
                ),
            )
            if done is not None and satisfied:
                self.rate_order(order)
            if tracked.caller is not None:
                self.rate_portal_order(order, tracked.caller)
        else:
            self.orders.remove(tracked)

    def rate_order(self, order: Any) -> None:
        state = review_selectors.order_invitation(number=order.number, channel="callback")
        if state is None or state.review is not None:
            return
        key, level = self._key("review"), self.rng.choice((5, 5, 4, 4, 3))
        self.step(
            "reviews (12345 call-back)",
            lambda: review_services.review_submit(
                actor=self.users["agent"],
                invitation=state.invitation,
                level=level,
                idempotency_key=key,
            ),
        )

    def rate_portal_order(self, order: Any, caller: Any) -> None:
        for state in review_selectors.my_invitations(actor=caller):
            if state.invitation.event_ref == order.number and state.review is None:
                self.submit_review(caller, state.invitation, "reviews (12345 portal)")

    # --- ratings and rectifications ---------------------------------------------------------

    def submit_review(self, reviewer: Any, invitation: Any, what: str) -> None:
        bad = self.rng.random() < 0.12
        level = self.rng.choice((1, 2)) if bad else self.rng.choice((5, 5, 5, 4, 4, 3))
        key = self._key("review")
        review = self.step(
            what,
            lambda: review_services.review_submit(
                actor=reviewer,
                invitation=invitation,
                level=level,
                indicators=("waited_long", "materials_twice") if bad else (),
                text=BAD_TEXT if bad else "",
                idempotency_key=key,
            ),
        )
        rectification = getattr(review, "rectification", None) if review is not None else None
        if rectification is not None:
            self.rectifications.append((rectification, reviewer))

    def ratings(self, day: datetime.date) -> None:
        for tracked in self.cases:
            if tracked.rated or tracked.applicant is None:
                continue
            tracked.top.refresh_from_db()
            if tracked.top.status not in ("completed", "rejected"):
                continue
            tracked.rated = True
            if self.rng.random() < 0.2:
                continue  # not everyone rates
            for state in review_selectors.my_invitations(actor=tracked.applicant):
                if state.invitation.event_ref == tracked.top.number and state.review is None:
                    self.submit_review(
                        tracked.applicant, state.invitation, "reviews (applications)"
                    )
        self.rectification_steps()

    def rectification_steps(self) -> None:
        for pair in list(self.rectifications):
            rectification, reviewer = pair
            rectification.refresh_from_db()
            officer = self.officer_of(rectification.department_id)
            if rectification.status == "open" and officer is not None:
                self.step(
                    "rectifications called back",
                    partial(
                        review_services.rectification_call_back,
                        actor=officer,
                        rectification=rectification,
                        note="已电话联系申请人，了解情况并致歉。",
                    ),
                )
            elif rectification.status == "rectifying" and officer is not None:
                self.step(
                    "rectification results sent",
                    partial(
                        review_services.rectification_result_send,
                        actor=officer,
                        rectification=rectification,
                        result="已优化材料核验流程，避免重复提交。",
                    ),
                )
            elif rectification.status == "result_sent":
                self.step(
                    "rectifications accepted",
                    partial(
                        review_services.rectification_answer,
                        actor=reviewer,
                        rectification=rectification,
                        accept=True,
                    ),
                )
                self.rectifications.remove(pair)
            else:
                self.rectifications.remove(pair)

    # --- benefits and the periodic work -----------------------------------------------------

    def benefit_answers(self) -> None:
        for holder in [*self.citizens, *self.businesses]:
            for view in benefits_selectors.my_offers(actor=holder):
                if view.offer.status == "offered" and self.offer_rng.random() < 0.5:
                    self.step(
                        "benefit offers confirmed",
                        partial(
                            benefits_services.offer_confirm, actor=holder, offer_id=view.offer.pk
                        ),
                    )

    def ticks(self) -> None:
        now = timezone.now()
        case_clock.tick(now=now)
        hotline_services.escalate_overdue(now=now)
        review_services.tick(now=now)
        if review_tasks.stats_due():  # the public figures, once a day as the worker does
            review_services.stats_refresh(now=now)
        checked = benefits_services.checks_due(limit=50, now=now)
        self.summary.counts["benefit checks"] += checked
        insights_services.hotspot_scan(region=self.region, now=now)


def simulate(
    *,
    days: int,
    seed: int = 15,
    per_day: int = 3,
    orders_per_day: int = 3,
    today: datetime.date | None = None,
    say: Callable[[str], None] | None = None,
) -> Summary:
    """Replay `days` days up to `today` (default: today) of the region through its services
    (see the module docstring)."""
    if today is not None and today > timezone.localdate():
        raise DomainError("the simulation replays the past, not the future", code="future")
    sim = Simulation(
        days=days,
        seed=seed,
        per_day=per_day,
        orders_per_day=orders_per_day,
        today=today,
        say=say,
    )
    return sim.run()
