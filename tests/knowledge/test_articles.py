"""The knowledge base: import, indexing by status and effective dates, drafts from hotline
replies, and publishing (supervisor or administrator only)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from onestop.core import seeding
from onestop.core.actors import SYSTEM
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.knowledge import markup
from onestop.knowledge.models import Article, SearchDocument
from onestop.knowledge.selectors import articles_visible, search
from onestop.knowledge.services import (
    article_from_ticket_reply,
    article_import,
    article_publish,
    index_article,
    index_rebuild,
)

from .conftest import ARTICLES, OTHER_REGION, REGION, SOCIAL_SECURITY_CARD, article_record


def _article_docs(region=REGION):
    return sorted(
        SearchDocument.objects.filter(region=region, kind="article").values_list("ref", flat=True)
    )


def _state():
    return (
        list(Article.objects.order_by("slug").values_list("slug", "status", "updated_at")),
        list(SearchDocument.objects.order_by("id").values_list("id", "ref", "updated_at")),
    )


def test_only_published_articles_in_force_are_indexed(knowledge_base):
    visible = ["newborn-hukou-materials", "real-estate-registration-guide"]
    visible.append("social-security-card-replacement")

    assert Article.objects.count() == 6
    assert _article_docs() == visible
    # An article of every region goes to each region with a catalogue; a regional one stays.
    assert _article_docs(OTHER_REGION) == [
        "newborn-hukou-materials",
        "social-security-card-replacement",
    ]
    assert sorted(articles_visible(region=REGION).values_list("slug", flat=True)) == visible


def test_article_document_holds_title_question_body_and_source(knowledge_base):
    doc = SearchDocument.objects.get(
        region=REGION, kind="article", ref=SOCIAL_SECURITY_CARD["slug"]
    )

    assert (doc.title_zh, doc.title_en) == (
        "社保卡丢了怎么补办",
        "How do I replace a lost social security card?",
    )
    tokens = doc.tokens.split()
    assert tokens.count("社保卡") >= 3  # title and question weigh more than the body
    assert {"挂失", "12333", "补领", "lost", "card"} <= set(tokens)
    assert {"人力资源", "办法", "五莲县"} <= set(tokens)  # department kind and source
    assert len(bytes(doc.embedding)) == 512 * 4


def test_rebuild_counts_articles_and_a_second_rebuild_writes_nothing(knowledge_base):
    before = _state()

    totals = index_rebuild(region=REGION)

    assert totals == {"documents": 7 + 3, "written": 0, "deleted": 0}
    assert _state() == before


def test_import_is_idempotent_and_updates_a_changed_article(knowledge_base):
    before = _state()
    assert article_import(actor=SYSTEM, records=ARTICLES) == {
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "skipped": 0,
    }
    assert _state() == before

    changed = {**SOCIAL_SECURITY_CARD, "body_zh": "请先挂失，再到银行网点补领新卡。"}
    counts = article_import(actor=SYSTEM, records=[changed])

    assert counts == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0}
    assert Article.objects.get(slug=changed["slug"]).body_zh == "请先挂失，再到银行网点补领新卡。"
    doc = SearchDocument.objects.get(region=REGION, kind="article", ref=changed["slug"])
    assert "银行" in doc.tokens.split()


def test_import_skips_unknown_regions_and_refuses_bad_records(knowledge_base):
    counts = article_import(actor=SYSTEM, records=[article_record("elsewhere", region="110101")])
    assert counts == {"created": 0, "updated": 0, "unchanged": 0, "skipped": 1}

    before = _state()
    bad = article_record("bad-dates", effective_from="2025-01-02", effective_until="2025-01-01")
    with pytest.raises(ValidationFailed) as excinfo:
        article_import(actor=SYSTEM, records=[bad])
    assert excinfo.value.code == "invalid_article"
    with pytest.raises(ValidationFailed) as excinfo:
        article_import(actor=SYSTEM, records=[article_record("no-kind", department_kind="nope")])
    assert excinfo.value.code == "unknown_department_kind"
    assert _state() == before


def test_import_is_refused_to_people_who_do_not_administer_the_node(knowledge_base, staff):
    before = _state()

    with pytest.raises(PermissionDenied):
        article_import(actor=staff["supervisor"], records=[article_record("new-one")])

    assert _state() == before
    counts = article_import(actor=staff["admin"], records=[article_record("new-one")])
    assert counts["created"] == 1


def test_an_article_that_expires_leaves_search_and_the_next_rebuild_drops_it(knowledge_base):
    slug = SOCIAL_SECURITY_CARD["slug"]
    assert ("article", slug) in [(h.kind, h.ref) for h in search(q="社保卡丢了", region=REGION)]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Article.objects.filter(slug=slug).update(effective_until=yesterday)

    hits = search(q="社保卡丢了", region=REGION, limit=50)

    assert slug not in [h.ref for h in hits]
    index_rebuild(region=REGION)
    assert slug not in _article_docs()


def test_index_article_removes_an_unpublished_article(knowledge_base):
    article = Article.objects.get(slug=SOCIAL_SECURITY_CARD["slug"])
    article.status = Article.Status.DRAFT
    article.save()

    assert index_article(article) == []
    assert SearchDocument.objects.filter(ref=article.slug).count() == 0


def test_agent_turns_a_reply_into_a_draft_that_is_not_searchable(knowledge_base, staff):
    article = article_from_ticket_reply(
        actor=staff["agent"],
        title_zh="小区路灯不亮找谁",
        body_zh="小区内路灯由物业负责维修；市政道路路灯由县综合行政执法局负责。",
        question_zh="  小区路灯坏了  找谁修？ ",
        source="12345工单回复；五莲县综合行政执法局",
        department_kind="human-resources-social-security",
    )

    assert article.status == Article.Status.DRAFT
    assert article.kind == Article.Kind.FAQ
    assert article.question_zh == "小区路灯坏了 找谁修？"
    assert article.region_id == REGION
    assert article.created_by == staff["agent"]
    assert article.effective_from == timezone.localdate()
    assert article.slug.startswith(f"reply-{timezone.localdate():%Y%m%d}-")
    assert article.department_kind_id == "human-resources-social-security"
    assert not SearchDocument.objects.filter(ref=article.slug).exists()
    assert article.slug not in [h.ref for h in search(q="路灯不亮", region=REGION, limit=50)]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title_zh", "  ", "required"),
        ("body_zh", "", "required"),
        ("source", "", "required"),
        ("title_zh", "长" * 201, "too_long"),
        ("department_kind", "no-such-kind", "unknown_department_kind"),
    ],
)
def test_a_draft_with_bad_input_is_refused_and_nothing_is_written(
    knowledge_base, staff, field, value, code
):
    before = _state()
    kwargs = {
        "title_zh": "标题",
        "body_zh": "答复。",
        "question_zh": "",
        "source": "12345工单回复",
        field: value,
    }

    with pytest.raises(ValidationFailed) as excinfo:
        article_from_ticket_reply(actor=staff["agent"], **kwargs)

    assert excinfo.value.code == code
    assert _state() == before


@pytest.mark.parametrize("who", ["citizen", None])
def test_only_staff_may_write_drafts(knowledge_base, staff, who):
    before = _state()

    with pytest.raises(PermissionDenied):
        article_from_ticket_reply(
            actor=staff[who] if who else None,
            title_zh="标题",
            body_zh="答复。",
            question_zh="",
            source="来源",
        )

    assert _state() == before


def _draft(staff):
    return article_from_ticket_reply(
        actor=staff["agent"],
        title_zh="小区路灯不亮找谁",
        body_zh="小区内路灯由物业负责维修；市政道路路灯由县综合行政执法局负责。",
        question_zh="小区路灯坏了找谁修？",
        source="12345工单回复；五莲县综合行政执法局",
    )


@pytest.mark.parametrize("who", ["agent", "citizen", "supervisor_other"])
def test_publishing_is_refused_and_nothing_changes(knowledge_base, staff, who):
    draft = _draft(staff)
    before = _state()

    with pytest.raises(PermissionDenied):
        article_publish(actor=staff[who], article=draft)

    assert _state() == before
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_a_supervisor_or_administrator_publishes_and_it_is_found_at_once(
    knowledge_base, staff, who
):
    draft = _draft(staff)

    published = article_publish(actor=staff[who], article=draft)

    assert published.status == Article.Status.PUBLISHED
    assert published.published_by == staff[who]
    assert published.published_at is not None
    assert _article_docs().count(draft.slug) == 1
    hits = search(q="小区路灯坏了找谁修", region=REGION, kinds=["article"], limit=3)
    assert hits[0].ref == draft.slug
    # Publishing twice changes nothing.
    again = article_publish(actor=staff[who], article=published)
    assert again.published_at == published.published_at


def test_markup_escapes_html_and_renders_lists_and_bold():
    html = markup.render("第一段 <script>alert(1)</script>\n\n- 一\n- **二**\n\n尾行\n第二行")

    assert html == (
        "<p>第一段 &lt;script&gt;alert(1)&lt;/script&gt;</p>"
        '<ul class="usa-list"><li>一</li><li><strong>二</strong></li></ul>'
        "<p>尾行<br>第二行</p>"
    )
    assert markup.plain("请**补领**新卡") == "请补领新卡"


def test_seed_steps_order_and_demo_file():
    steps = {s.name: s for s in seeding.steps()}

    assert steps["knowledge-articles"].order == 85
    assert steps["catalog"].order < 85 < steps["search-index"].order
    from onestop.knowledge.seed import load_articles

    records = load_articles()
    assert len(records) >= 40
    assert all(r["source"] and r["title_en"] and r["body_en"] for r in records)
    assert len({r["slug"] for r in records}) == len(records)


def test_seed_step_imports_the_demo_articles_once(small_catalogue, settings):
    from onestop.knowledge.seed import load_articles
    from onestop.org.models import DepartmentKind

    settings.NODE_REGION = REGION
    records = load_articles()
    for key in {r["department_kind"] for r in records if r["department_kind"]}:
        DepartmentKind.objects.get_or_create(key=key, defaults={"name_zh": key, "name_en": key})
    step = {s.name: s for s in seeding.steps()}["knowledge-articles"]

    first = step.run()
    second = step.run()

    assert first == f"{len(records)} articles created, 0 updated, 0 unchanged, 0 skipped"
    assert second == f"0 articles created, 0 updated, {len(records)} unchanged, 0 skipped"
    assert Article.objects.filter(status="draft").count() == 1
    assert len(_article_docs()) == articles_visible(region=REGION).count() >= 40
