import numpy as np
import pytest

from onestop.core import seeding
from onestop.knowledge import embeddings, fulltext
from onestop.knowledge.models import SearchDocument
from onestop.knowledge.services import index_delete, index_item, index_rebuild, index_scenario

from .conftest import OTHER_REGION, REGION


def _docs(region=REGION):
    return {(d.kind, d.ref): d for d in SearchDocument.objects.filter(region=region).order_by("id")}


def test_rebuild_indexes_every_item_and_scenario_of_the_region(small_catalogue):
    totals = index_rebuild(region=REGION)

    assert totals == {"documents": 7, "written": 7, "deleted": 0}
    docs = _docs()
    assert sorted(docs) == [
        ("item", "37112100GA-QR-0001"),
        ("item", "37112100MZ-QR-0001"),
        ("item", "37112100SP-XK-0005"),
        ("item", "37112100SP-XK-0006"),
        ("item", "37112100WJ-GG-0002"),
        ("scenario", "newborn"),
        ("scenario", "restaurant-opening"),
    ]
    assert SearchDocument.objects.filter(region=OTHER_REGION).count() == 0
    newborn = docs[("scenario", "newborn")]
    assert (newborn.title_zh, newborn.title_en) == ("新生儿出生一件事", "Newborn birth")
    assert newborn.bundles == []
    assert docs[("item", "37112100GA-QR-0001")].bundles == ["newborn"]
    assert docs[("item", "37112100MZ-QR-0001")].bundles == []


def test_tokens_hold_titles_body_departments_materials_and_aliases(small_catalogue):
    index_rebuild(region=REGION)
    docs = _docs()

    birth_reg = docs[("item", "37112100GA-QR-0001")].tokens.split()
    assert birth_reg.count("户口") >= 3  # the title weighs more than the body
    assert {"出生", "登记", "户口", "hukou", "registration"} <= set(birth_reg)
    assert {"公安局", "public", "security", "bureau"} <= set(birth_reg)  # department
    assert {"医学", "证明", "medical", "certificate"} <= set(birth_reg)  # material
    assert {"宝宝", "新生儿", "baby"} <= set(birth_reg)  # colloquial aliases of 出生登记
    food = docs[("item", "37112100SP-XK-0006")].tokens.split()
    assert {"经营场所", "饭店", "餐馆"} <= set(food)  # conditions and aliases
    newborn = docs[("scenario", "newborn")].tokens.split()
    assert {"医学", "户口", "baby", "宝宝"} <= set(newborn)


def test_embedding_is_a_normalised_512_d_float32_vector(small_catalogue):
    index_rebuild(region=REGION)
    doc = SearchDocument.objects.get(region=REGION, kind="scenario", ref="newborn")

    vector = embeddings.from_bytes(doc.embedding)
    assert len(bytes(doc.embedding)) == 512 * 4
    assert vector.shape == (512,)
    assert vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_second_rebuild_writes_nothing(small_catalogue):
    index_rebuild(region=REGION)
    before = {key: (d.updated_at, d.tokens, bytes(d.embedding)) for key, d in _docs().items()}

    totals = index_rebuild(region=REGION)

    assert totals == {"documents": 7, "written": 0, "deleted": 0}
    after = {key: (d.updated_at, d.tokens, bytes(d.embedding)) for key, d in _docs().items()}
    assert after == before


def test_rebuild_without_region_covers_every_region(small_catalogue):
    totals = index_rebuild()

    assert totals == {"documents": 8, "written": 8, "deleted": 0}
    assert list(SearchDocument.objects.filter(region=OTHER_REGION).values_list("kind", "ref")) == [
        ("item", "32070700GA-QR-0001")
    ]


def test_rebuild_deletes_documents_that_left_the_catalogue(small_catalogue):
    index_rebuild(region=REGION)
    SearchDocument.objects.create(region=REGION, kind="item", ref="GONE", title_zh="旧事项")

    totals = index_rebuild(region=REGION)

    assert totals == {"documents": 7, "written": 0, "deleted": 1}
    assert not SearchDocument.objects.filter(ref="GONE").exists()


def test_index_item_updates_one_changed_item_and_the_fulltext_index(small_catalogue):
    index_rebuild(region=REGION)
    marriage = SearchDocument.objects.get(ref="37112100MZ-QR-0001")
    item = small_catalogue.item("37112100MZ-QR-0002", "离婚登记", "Divorce registration")

    doc = index_item(item)

    assert (doc.kind, doc.ref, doc.region, doc.title_zh) == (
        "item",
        "37112100MZ-QR-0002",
        REGION,
        "离婚登记",
    )
    assert SearchDocument.objects.filter(region=REGION).count() == 8
    assert SearchDocument.objects.get(ref="37112100MZ-QR-0001").updated_at == marriage.updated_at
    found = [pk for pk, _ in fulltext.candidates(tokens=["离婚"], region=REGION)]
    assert found == [doc.pk]


def test_index_item_twice_changes_nothing(small_catalogue):
    item = small_catalogue.item("37112100MZ-QR-0002", "离婚登记", "Divorce registration")
    first = index_item(item)

    second = index_item(item)

    assert second.pk == first.pk
    assert second.updated_at == first.updated_at
    assert SearchDocument.objects.filter(ref="37112100MZ-QR-0002").count() == 1


def test_index_scenario_and_delete(small_catalogue):
    from onestop.catalog.selectors import scenario_get

    doc = index_scenario(scenario_get(region=REGION, slug="newborn"))
    assert (doc.kind, doc.ref) == ("scenario", "newborn")

    assert index_delete(region=REGION, kind="scenario", ref="newborn") == 1
    assert index_delete(region=REGION, kind="scenario", ref="newborn") == 0
    assert fulltext.candidates(tokens=["新生儿"], region=REGION) == []


def test_fulltext_follows_updates_and_deletes(small_catalogue):
    index_rebuild(region=REGION)
    doc = SearchDocument.objects.get(ref="37112100MZ-QR-0001")
    assert [pk for pk, _ in fulltext.candidates(tokens=["结婚"], region=REGION)] == [doc.pk]

    doc.tokens = "婚姻 登记"
    doc.save()
    assert fulltext.candidates(tokens=["结婚"], region=REGION) == []
    assert [pk for pk, _ in fulltext.candidates(tokens=["婚姻"], region=REGION)] == [doc.pk]

    doc.delete()
    assert fulltext.candidates(tokens=["婚姻"], region=REGION) == []


def test_fulltext_ranks_the_better_match_first_and_scores_descend(small_catalogue):
    index_rebuild(region=REGION)

    ranked = fulltext.candidates(tokens=["食品", "经营", "许可"], region=REGION)

    refs = dict(SearchDocument.objects.values_list("pk", "ref"))
    assert refs[ranked[0][0]] == "37112100SP-XK-0006"
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "hostile",
    ['"', 'a" OR "b', "NEAR(出生 登记)", "*", "出生*", "^登记", "'; DROP TABLE x; --", "-", ":"],
)
def test_fulltext_never_passes_query_syntax_through(small_catalogue, hostile):
    index_rebuild(region=REGION)

    result = fulltext.candidates(tokens=[hostile], region=REGION)

    assert isinstance(result, list)
    assert SearchDocument.objects.filter(region=REGION).count() == 7


def test_fts5_match_quotes_every_token():
    assert fulltext.fts5_match(["出生", 'a"b', "OR"]) == '"出生" OR "a""b" OR "OR"'


def test_seed_step_is_registered_after_the_catalogue():
    step = {s.name: s for s in seeding.steps()}["search-index"]
    catalogue = {s.name: s for s in seeding.steps()}["catalog"]

    assert step.order == 90
    assert step.order > catalogue.order


def test_seed_step_builds_the_index_and_is_idempotent(small_catalogue):
    step = {s.name: s for s in seeding.steps()}["search-index"]

    assert step.run() == "8 documents indexed, 8 written, 0 deleted"
    assert step.run() == "8 documents indexed, 0 written, 0 deleted"


def test_an_items_embedding_carries_its_guide_not_only_its_names(small_catalogue):
    from onestop.catalog.models import Item
    from onestop.knowledge import services

    index_rebuild(region=REGION)
    doc = _docs()[("item", "37112100GA-QR-0001")]
    item = Item.objects.get(code="37112100GA-QR-0001")

    names_only = embeddings.mean_vector([item.name_zh, item.name_en])
    stored = embeddings.from_bytes(doc.embedding)
    assert abs(float(np.linalg.norm(stored)) - 1.0) < 1e-5
    # Close to the names (they weigh 1, each guide group GUIDE_WEIGHT) but not equal to them.
    assert 0.8 < float(stored @ names_only) < 0.999
    guide = " ".join(" ".join(group) for group in services._item_text(item).guide)
    assert "新生儿" in guide  # the bundle it belongs to
    assert doc.semantic_key.startswith(f"{services.EMBEDDING_SCHEME}:")


def test_a_document_embedded_by_another_scheme_is_re_encoded_by_the_next_rebuild(small_catalogue):
    index_rebuild(region=REGION)
    key = ("item", "37112100GA-QR-0001")
    SearchDocument.objects.filter(region=REGION, kind=key[0], ref=key[1]).update(
        semantic_key="", embedding=embeddings.to_bytes(embeddings.mean_vector(["出生登记"]))
    )
    stale = bytes(_docs()[key].embedding)

    totals = index_rebuild(region=REGION)

    assert totals["written"] == 1
    doc = _docs()[key]
    assert bytes(doc.embedding) != stale
    assert doc.semantic_key != ""


def test_after_migrate_a_region_with_stale_embeddings_gets_a_rebuild(small_catalogue):
    from django_tasks_db.models import DBTaskResult

    from onestop.knowledge import apps

    def queued():
        rows = DBTaskResult.objects.filter(task_path="onestop.knowledge.tasks.index_region")
        return [row.args_kwargs["args"] for row in rows.order_by("enqueued_at")]

    index_rebuild()
    before = queued()
    apps.reindex_stale()
    assert queued() == before  # everything is current

    SearchDocument.objects.filter(region=OTHER_REGION).update(semantic_key="")
    apps.reindex_stale()
    assert queued() == [*before, [OTHER_REGION]]
