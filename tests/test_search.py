"""Full-text search: stemming in French and English, ranking, snippets and filters."""

import asyncio

import pytest
from sqlalchemy import text

from node.services import answers, questions, search

from .support import make_member

BASE = "http://127.0.0.1:8080"


async def ask(db, author, title, body, tags="divers"):
    return await questions.ask(db, author, title=title, body=body, tags=tags, base_url=BASE)


async def test_french_question_is_found_by_a_stemmed_word(client, database):
    alice = await make_member(database, "alice")
    await ask(
        database,
        alice,
        "Quelles chaussures de sécurité pour un atelier ?",
        "Nos menuisiers se plaignent des chaussures actuelles.",
        tags="securite",
    )
    await ask(database, alice, "Unrelated spreadsheet question", "Pivot tables in a shared workbook.")
    page = await (await client.get("/search?q=chaussure")).text()  # singular finds the plural
    assert "Quelles chaussures de sécurité" in page and "Unrelated spreadsheet" not in page
    assert "<mark>chaussures</mark>" in page
    hits, total = await search.search(database, "menuisier")  # "menuisiers" in the body
    assert total == 1
    hits, total = await search.search(database, "securite atelier")  # accents folded, both words needed
    assert total == 1 and hits[0].question.title.startswith("Quelles chaussures")


async def test_exact_title_match_ranks_first(database):
    alice = await make_member(database, "alice")
    for i in range(3):
        await ask(
            database,
            alice,
            f"Notes on invoicing practice {i}",
            "Invoice payment terms late payment invoice reminders invoice invoice.",
        )
    exact = await ask(database, alice, "Late payment", "What can a freelancer do about it?")
    hits, total = await search.search(database, "late payment")
    assert total == 4
    assert hits[0].question.id == exact.id


async def test_answers_are_searched_and_filters_apply(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    answered = await ask(database, alice, "Heating a small workshop", "Wood stove or heat pump?", tags="chauffage")
    open_q = await ask(
        database, alice, "Insulating a workshop roof", "Which insulation for a heat pump?", tags="isolation"
    )
    await answers.post_answer(database, bob, answered.id, "A heat pump with underfloor loops.", BASE)
    hits, _ = await search.search(database, "underfloor")
    assert [h.question.id for h in hits] == [answered.id] and hits[0].answer_id is not None
    assert "<mark>underfloor</mark>" in hits[0].snippet
    unanswered, _ = await search.search(database, "heat pump", answered="no")
    assert [h.question.id for h in unanswered] == [open_q.id]
    tagged, _ = await search.search(database, "workshop", tag="chauffage")
    assert [h.question.id for h in tagged] == [answered.id]
    page = await (await client.get("/search?q=workshop&answered=yes")).text()
    assert "Heating a small workshop" in page and "Insulating" not in page


async def test_deleted_questions_leave_the_index(database):
    alice = await make_member(database, "alice")
    question = await ask(database, alice, "Temporary question about glue", "Glue glue glue.")
    await questions.delete_question(database, alice, question.id)
    assert (await search.search(database, "glue"))[1] == 0


async def test_search_input_is_safe(client, database):
    alice = await make_member(database, "alice")
    await ask(database, alice, "Quotes and operators", 'He said "NEAR" OR AND NOT *')
    for query in ['"', "AND OR NOT", "*", "NEAR(", "'; DROP TABLE question; --", "<script>x</script>"]:
        response = await client.get("/search", params={"q": query})
        assert response.status == 200
        assert "<script>x" not in await response.text()


async def test_words_in_the_title_rank_first_then_the_newest(database):
    alice = await make_member(database, "alice")
    titled = await ask(database, alice, "Sharpening chisels quickly", "Which stone do you use?")
    older = await ask(database, alice, "Workshop tools", "How often should I sharpen my chisels?")
    newer = await ask(database, alice, "Bench setup", "My chisels need sharpening every week.")
    hits, total = await search.search(database, "sharpen chisel")
    assert total == 3
    assert [h.question.id for h in hits] == [titled.id, newer.id, older.id]


async def test_only_the_newest_matches_are_ranked_however_far_back_they_lie(database, monkeypatch):
    """With a window of two, the question with the word in its title is past it; PostgreSQL, first looking
    among the newest document alone, widens its look until it holds two matches."""
    monkeypatch.setattr(search, "RANKED_WINDOW", 2)
    monkeypatch.setattr(search, "FIRST_SPAN", 1)
    alice = await make_member(database, "alice")
    await ask(database, alice, "Sharpening chisels quickly", "Which stone do you use?")
    older = await ask(database, alice, "Workshop tools", "How often should I sharpen my chisels?")
    for title in ("Glue for oak", "Finishing walnut", "Clamps to buy"):
        await ask(database, alice, title, "Nothing about edge tools here.")
    newer = await ask(database, alice, "Bench setup", "My chisels need sharpening every week.")
    hits, total = await search.search(database, "sharpen chisel")
    assert [h.question.id for h in hits] == [newer.id, older.id] and total == 2


async def test_the_best_of_the_window_win_whichever_look_found_them(database, monkeypatch):
    """PostgreSQL looks at the newest document first, then further back, each look returning its best only: the
    question with the words in its title, found by the last look, comes first, then the newest of the others."""
    monkeypatch.setattr(search, "RANKED_WINDOW", 3)
    monkeypatch.setattr(search, "MAX_CANDIDATES", 2)
    monkeypatch.setattr(search, "FIRST_SPAN", 1)
    alice = await make_member(database, "alice")
    titled = await ask(database, alice, "Sharpening chisels quickly", "Which stone do you use?")
    await ask(database, alice, "Glue for oak", "Nothing about edge tools here.")
    bench = await ask(database, alice, "Bench setup", "My chisels need sharpening every week.")
    await ask(database, alice, "Finishing walnut", "Nothing about edge tools here.")
    newest = await ask(database, alice, "Workshop habits", "My chisels need sharpening every week.")
    hits, total = await search.search(database, "sharpen chisel")
    assert [h.question.id for h in hits] == [titled.id, newest.id] and total == 2
    # One look holding all three matches, the window two: the best ranked, the oldest, is past it.
    monkeypatch.setattr(search, "RANKED_WINDOW", 2)
    monkeypatch.setattr(search, "FIRST_SPAN", 1000)
    hits, total = await search.search(database, "sharpen chisel")
    assert [h.question.id for h in hits] == [newest.id, bench.id] and total == 2


# The parts of search_fts in this test's schema (tests running beside it have theirs in the same database).
PARTS = (
    "SELECT relname FROM pg_class WHERE relname ~ '^search_fts_[0-9]+$' AND relkind = 'r' "
    "AND relnamespace = current_schema()::regnamespace ORDER BY 1"
)


async def test_postgresql_keeps_each_range_of_documents_in_a_part_made_by_its_first_writer(database, monkeypatch):
    """The stored vectors are partitioned by ranges of ids: the first document of a range makes its part, writers
    of a new range at the same moment make it once, and a search reads across parts."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL's full-text table")
    alice = await make_member(database, "alice")
    per_part = search.IDS_PER_PART

    async def document_ids_after(value: int) -> None:
        await database.run_write(lambda s: s.execute(text("SELECT setval('search_document_id_seq', :v)"), {"v": value}))

    await document_ids_after(per_part - 2)
    older = await ask(database, alice, "Sharpening chisels", "Which stone do you use?")  # document per_part - 1: part 0
    await document_ids_after(3 * per_part)
    newer = await asyncio.gather(*(ask(database, alice, f"Workbench {n} glue", "Glue and clamps.") for n in range(6)))
    newest = await ask(database, alice, "Chisel edges dull", "Honing every week.")
    parts = await database.run_read(lambda s: s.scalars(text(PARTS)).all())
    assert parts == ["search_fts_0", "search_fts_3"]
    hits, total = await search.search(database, "clamps")
    assert sorted(h.question.id for h in hits) == sorted(q.id for q in newer) and total == 6
    monkeypatch.setattr(search, "RANKED_WINDOW", 2)
    monkeypatch.setattr(search, "FIRST_SPAN", 1)  # the first look holds the newest document alone
    hits, total = await search.search(database, "chisel")
    assert [h.question.id for h in hits] == [newest.id, older.id] and total == 2


async def test_postgresql_housekeeping_makes_the_next_part_before_its_first_document(database):
    """Once the newest range of document ids is nearly full, the next range's part is made ahead, so that no
    writer has to make it in the middle of its transaction."""
    if database.is_sqlite:
        assert not await search.make_next_part(database)
        return
    alice = await make_member(database, "alice")
    per_part = search.IDS_PER_PART

    async def parts() -> list[str]:
        return await database.run_read(lambda s: s.scalars(text(PARTS)).all())

    async def document_ids_after(value: int) -> None:
        await database.run_write(lambda s: s.execute(text("SELECT setval('search_document_id_seq', :v)"), {"v": value}))

    await ask(database, alice, "Sharpening chisels", "Which stone do you use?")  # part 0, far from its end
    assert not await search.make_next_part(database) and await parts() == ["search_fts_0"]
    await document_ids_after(per_part - search.PART_AHEAD)
    await ask(database, alice, "Honing guides", "Worth the price?")  # near the end of part 0
    assert await parts() == ["search_fts_0"]
    assert await search.make_next_part(database)
    assert await parts() == ["search_fts_0", "search_fts_1"]
    assert not await search.make_next_part(database)  # made once
    await document_ids_after(per_part)
    made = await ask(database, alice, "Chisel steel", "Which steel holds an edge?")  # in part 1, made ahead
    hits, _ = await search.search(database, "chisel")
    assert made.id in [h.question.id for h in hits]


def test_snippets_mark_every_form_of_the_words_searched():
    """Stemming may change a word's end: "chevaux" and "cheval", "dying" and "die" are the same words."""
    marked = search.snippet("Nos chevaux de trait : un cheval tire mieux.", search.query_groups("cheval"))
    assert "<mark>chevaux</mark>" in marked and "<mark>cheval</mark>" in marked
    marked = search.snippet("He was dying to know; the die is cast.", search.query_groups("dying"))
    assert "<mark>dying</mark>" in marked and "<mark>die</mark>" in marked
    marked = search.snippet("Nous travaillons couramment en anglais.", search.query_groups("couramment"))
    assert "<mark>couramment</mark>" in marked and "<mark>travaillons</mark>" not in marked


def test_snippets_mark_words_whatever_their_accents_and_case():
    """A query typed without accents marks the accented words, and the other way round; a letter that folds into
    two (the ligature ﬁ) too, and only whole words."""
    text_ = "La SÉCURITÉ des données : une sécurité réseau, un ﬁchier chiffré."
    marked = search.snippet(text_, search.query_groups("securite fichier"))
    assert "<mark>SÉCURITÉ</mark>" in marked and "<mark>sécurité</mark>" in marked and "<mark>ﬁchier</mark>" in marked
    marked = search.snippet("Security of a network", search.query_groups("sécurité"))
    assert "<mark>Security</mark>" in marked
    # Letters and signs that fold into others: a "fancy font" word, a fraction; a circled letter is no letter.
    assert "<mark>𝐜𝐡𝐚𝐭</mark>" in search.snippet("Mon 𝐜𝐡𝐚𝐭 dort.", search.query_groups("chat"))
    assert "<mark>½</mark>" in search.snippet("Add ½ cup of sugar", search.query_groups("½"))
    assert "<mark>" not in search.snippet("Les chⓐtons", search.query_groups("chatons"))
