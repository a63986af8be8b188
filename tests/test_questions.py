"""Questions and answers: asking, answering, voting, accepting, editing, deleting."""

import re

from sqlalchemy import func, select

from node.models import Answer, Comment, Question, Revision, Vote
from node.services import answers, questions, votes

from .support import log_in, make_member, post_form

BASE = "http://127.0.0.1:8080"


async def ask(
    db, author, title="How do I glue oak veneer?", body="I tried contact cement and it lifted.", tags="menuiserie"
):
    return await questions.ask(db, author, title=title, body=body, tags=tags, base_url=BASE)


async def test_voting_on_ones_own_post_is_refused(client, database):
    alice = await make_member(database, "alice")
    question = await ask(database, alice)
    await log_in(client, "alice")
    response = await post_form(client, f"/questions/{question.id}/vote", {"value": "up"})
    assert response.status == 403 and "cannot vote on your own post" in await response.text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Vote)) == 0


async def test_voting_twice_changes_the_vote_rather_than_adding_one(client, database):
    alice = await make_member(database, "alice")
    await make_member(database, "bob")
    question = await ask(database, alice)
    await log_in(client, "bob")
    for value, score in (("up", 1), ("up", 1), ("down", -1), ("none", 0), ("up", 1)):
        assert (await post_form(client, f"/questions/{question.id}/vote", {"value": value})).status == 303
        async with database.read() as session:
            assert (await session.get(Question, question.id)).score == score
            assert await session.scalar(select(func.count()).select_from(Vote)) == (0 if value == "none" else 1)
    page = await (await client.get(f"/questions/{question.id}")).text()
    assert 'class="vote-up on"' in page
    bad = await post_form(client, f"/questions/{question.id}/vote", {"value": "sideways"})
    assert bad.status == 400


async def test_only_the_asker_accepts_and_accepted_answer_comes_first(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    carol = await make_member(database, "carol")
    question = await ask(database, alice)
    early = await answers.post_answer(database, bob, question.id, "Use hide glue and a veneer hammer.", BASE)
    late = await answers.post_answer(database, carol, question.id, "Vacuum press with urea glue works.", BASE)
    await votes.set_vote(database, alice, "answer", early.id, 1)

    await log_in(client, "bob")
    refused = await post_form(client, f"/answers/{late.id}/accept")
    assert refused.status == 403 and "Only the person who asked" in await refused.text()

    asker = await aiohttp_client(client.server.app)
    await log_in(asker, "alice")
    assert (await post_form(asker, f"/answers/{late.id}/accept")).status == 303
    page = await (await asker.get(f"/questions/{question.id}")).text()
    assert page.index(f'id="answer-{late.id}"') < page.index(f'id="answer-{early.id}"')
    assert re.search(rf'class="post answer accepted" id="answer-{late.id}"', page)
    # the asker may change their mind
    assert (await post_form(asker, f"/answers/{early.id}/accept")).status == 303
    async with database.read() as session:
        assert (await session.get(Question, question.id)).accepted_answer_id == early.id


async def test_editing_keeps_the_history(client, database):
    alice = await make_member(database, "alice")
    question = await ask(database, alice)
    await log_in(client, "alice")
    response = await post_form(
        client,
        f"/questions/{question.id}/edit",
        {
            "title": "How do I glue oak veneer on MDF?",
            "body": "Contact cement lifted after a week.",
            "tags": "menuiserie collage",
        },
    )
    assert response.status == 303
    history = await (await client.get(f"/questions/{question.id}/revisions")).text()
    # Each version beside the one before it, word by word: what went on the left, what came on the right.
    assert "How do I glue oak veneer<ins> on MDF</ins>?" in history
    assert "<del>I tried contact</del>" in history and "<ins>Contact</ins>" in history
    assert "cement<del> and it</del> lifted." in history and "lifted<ins> after a week</ins>." in history
    assert "I tried contact cement and it lifted." in history  # the first version, whole
    page = await (await client.get(f"/questions/{question.id}")).text()
    assert "/tags/collage" in page and "edited" in page
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Revision)) == 2
    await post_form(
        client,
        f"/questions/{question.id}/edit",
        {
            "title": "How do I glue oak veneer on MDF?",
            "body": "<script>alert(1)</script> lifted.",
            "tags": "menuiserie",
        },
    )
    history = await (await client.get(f"/questions/{question.id}/revisions")).text()
    assert "<script>" not in history and "&lt;script&gt;" in history  # a diff escapes what it shows


async def test_someone_else_cannot_edit_or_delete(client, database):
    alice = await make_member(database, "alice")
    await make_member(database, "mallory")
    question = await ask(database, alice)
    await log_in(client, "mallory")
    edit = await post_form(
        client,
        f"/questions/{question.id}/edit",
        {"title": "Hijacked title here", "body": "Something else entirely.", "tags": "spam"},
    )
    assert edit.status == 403
    delete = await post_form(client, f"/questions/{question.id}/delete")
    assert delete.status == 403
    async with database.read() as session:
        stored = await session.get(Question, question.id)
    assert stored.title == "How do I glue oak veneer?" and stored.deleted_at is None


async def test_deleted_question_page_says_it_was_deleted(client, database):
    alice = await make_member(database, "alice")
    question = await ask(database, alice)
    await log_in(client, "alice")
    asked = await post_form(client, f"/questions/{question.id}/delete")
    assert asked.status == 200 and "Delete this question?" in await asked.text()
    async with database.read() as session:  # asking deleted nothing
        assert (await session.get(Question, question.id)).deleted_at is None
    assert (await post_form(client, f"/questions/{question.id}/delete", {"confirmed": "yes"})).status == 303
    response = await client.get(f"/questions/{question.id}")
    page = await response.text()
    assert response.status == 410 and "This question was deleted." in page
    assert "I tried contact cement" not in page
    assert f"/questions/{question.id}" not in await (await client.get("/questions")).text()
    assert (await client.get("/questions/999999")).status == 404


async def test_bad_input_gives_a_form_error_and_stores_nothing(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    cases = [
        ({"title": "", "body": "A long enough body text.", "tags": "python"}, "Give your question a title"),
        ({"title": "A good title here", "body": "x" * 30_001, "tags": "python"}, "too long (30000 characters at most)"),
        # each limit is the real one, however far past it the input goes
        (
            {"title": "t" * 10_000, "body": "A long enough body text.", "tags": "python"},
            "A title has 8 to 200 characters",
        ),
        (
            {"title": "A good title here", "body": "x" * 200_000, "tags": "python"},
            "too long (30000 characters at most)",
        ),
        (
            {
                "title": "A good title here",
                "body": "A long enough body text.",
                "tags": " ".join(f"t{n}" for n in range(50_000)),
            },
            "at most 5 tags",
        ),
        ({"title": "A good title here", "body": "A long enough body text.", "tags": "no/slash"}, "A skill or tag has"),
        ({"title": "A good title here", "body": "A long enough body text.", "tags": ""}, "at least one tag"),
        ({"title": "A good title here", "body": "A long enough body text.", "tags": "a b c d e f"}, "at most 5 tags"),
    ]
    for form, message in cases:
        response = await post_form(client, "/questions", form)
        text = await response.text()
        assert response.status == 400, form
        assert message in text
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


async def test_empty_answer_and_comment_are_refused(client, database):
    alice = await make_member(database, "alice")
    question = await ask(database, alice)
    await log_in(client, "alice")
    response = await post_form(client, f"/questions/{question.id}/answers", {"body": "  "})
    assert response.status == 400 and "Write at least 10 characters" in await response.text()
    response = await post_form(client, f"/questions/{question.id}/comments", {"body": ""})
    assert response.status == 400 and "Write a comment" in await response.text()
    response = await post_form(client, f"/questions/{question.id}/comments", {"body": "c" * 10_000})
    assert response.status == 400 and "A comment has at most 600 characters" in await response.text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 0
        assert await session.scalar(select(func.count()).select_from(Comment)) == 0


XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


async def test_xss_in_title_body_comment_and_tags_is_neutralized(client, database):
    from .test_profiles import html_elements

    await make_member(database, "alice")
    await log_in(client, "alice")
    response = await post_form(
        client,
        "/questions",
        {"title": f"Title {XSS}", "body": f"Body {XSS} [x](javascript:alert(3))", "tags": "python"},
    )
    assert response.status == 303
    location = response.headers["Location"]
    qid = int(location.rsplit("/", 1)[1])
    await post_form(client, f"{location}/comments", {"body": f"Comment {XSS} [y](javascript:alert(4))"})
    bad_tag = await post_form(
        client, "/questions", {"title": "Another good title", "body": "A long enough body.", "tags": "<script>"}
    )
    assert bad_tag.status == 400
    page = await (await client.get(f"/questions/{qid}")).text()
    main = page.split('<main id="main">')[1]
    elements = html_elements(main)
    assert not [t for t, _ in elements if t in ("script", "img", "iframe", "style")]
    assert not [n for _, attrs in elements for n, _ in attrs if n.startswith("on")]
    assert not [v for _, attrs in elements for n, v in attrs if n == "href" and v.lower().startswith("javascript")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main  # shown as text, harmless


async def test_ids_out_of_range_are_404_not_500(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    huge = str(2**70)
    for path in (f"/questions/{huge}", f"/answers/{huge}", f"/comments/{huge}", f"/questions/{huge}/revisions"):
        assert (await client.get(path)).status == 404, path
    assert (await post_form(client, f"/answers/{huge}/accept")).status == 404
    assert (await post_form(client, f"/questions/{huge}/vote", {"value": "up"})).status == 404


async def test_deleted_question_history_and_edit_form_are_gone_and_edit_is_for_the_author(
    client, database, aiohttp_client
):
    alice = await make_member(database, "alice")
    await make_member(database, "bob")
    question = await ask(database, alice)
    other = await aiohttp_client(client.server.app)
    await log_in(other, "bob")
    assert (await other.get(f"/questions/{question.id}/edit")).status == 403
    await questions.delete_question(database, alice, question.id)
    await log_in(client, "alice")
    assert (await client.get(f"/questions/{question.id}/revisions")).status == 404
    assert (await client.get(f"/questions/{question.id}/edit")).status == 404


async def test_the_same_form_sent_twice_makes_one_post(client, database):
    """A double click or a reload after a slow answer: the second sending leads to the first post."""
    await make_member(database, "alice")
    await log_in(client, "alice")
    form = {"title": "How do I glue oak veneer?", "body": "Contact cement or hide glue?", "tags": "woodwork"}
    first, second = await post_form(client, "/questions", form), await post_form(client, "/questions", form)
    assert first.status == second.status == 303
    assert first.headers["Location"] == second.headers["Location"]
    question_id = int(first.headers["Location"].rsplit("/", 1)[1])
    assert "Your post is published." in await (await client.get(first.headers["Location"])).text()
    for _ in range(2):
        await post_form(client, f"/questions/{question_id}/answers", {"body": "Hide glue, warmed: it can be undone."})
        await post_form(client, f"/questions/{question_id}/comments", {"body": "Which veneer thickness?"})
    # a different text is a new post, and each action says it is done
    commented = await post_form(client, f"/questions/{question_id}/comments", {"body": "And which substrate?"})
    assert "Your comment is posted." in await (await client.get(commented.headers["Location"])).text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 1
        assert await session.scalar(select(func.count()).select_from(Answer)) == 1
        assert await session.scalar(select(func.count()).select_from(Comment)) == 2
        question = await session.get(Question, question_id)
        assert question.answer_count == 1


async def test_counts_in_the_question_list_agree_with_their_number(client, database):
    """ "1 vote · 1 answer", "1 réponse", "2 réponses": plural forms per language, not "1 votes"."""
    from node.services import answers, votes

    alice, bob = await make_member(database, "alice"), await make_member(database, "bob")
    question = await ask(database, alice)
    await answers.post_answer(database, bob, question.id, "Hide glue, warmed: it can be undone.", BASE)
    await votes.set_vote(database, bob, "question", question.id, 1)
    english = " ".join((await (await client.get("/questions", headers={"Accept-Language": "en"})).text()).split())
    assert "<strong>1</strong> vote</span>" in english and "<strong>1</strong> answer</span>" in english
    french = " ".join((await (await client.get("/questions", headers={"Accept-Language": "fr"})).text()).split())
    assert "<strong>1</strong> réponse</span>" in french and "<strong>1</strong> vote</span>" in french
    await answers.post_answer(database, alice, question.id, "Thanks, and contact cement for the edges?", BASE)
    french = " ".join((await (await client.get("/questions", headers={"Accept-Language": "fr"})).text()).split())
    assert "<strong>2</strong> réponses</span>" in french


async def test_deleting_an_answer_or_a_comment_asks_first_and_says_it_is_done(client, database):
    from node.services import answers, comments

    from .test_profiles import html_elements

    alice, bob = await make_member(database, "alice"), await make_member(database, "bob")
    question = await ask(database, alice)
    answer = await answers.post_answer(database, bob, question.id, "Hide glue, warmed: it can be undone.", BASE)
    comment = await comments.add_comment(database, bob, answer_id=answer.id, body="Or fish glue.", base_url=BASE)
    await log_in(client, "alice")
    refused = await post_form(client, f"/answers/{answer.id}/delete")  # not hers: not even asked
    assert refused.status == 403 and "Please confirm" not in await refused.text()

    await log_in(client, "bob")
    page_url = f"{client.make_url(f'/questions/{question.id}')}"
    asked = await post_form(client, f"/comments/{comment.id}/delete", headers={"Referer": page_url})
    page = await asked.text()
    assert asked.status == 200 and "Delete this comment?" in page
    # The page's button sends the same request again, confirmed; Cancel leads back to the question.
    assert f'action="/comments/{comment.id}/delete"' in page and 'name="confirmed" value="yes"' in page
    assert f'href="/questions/{question.id}"' in page
    async with database.read() as session:
        assert (await session.get(Comment, comment.id)).deleted_at is None
    done = await post_form(client, f"/comments/{comment.id}/delete", {"confirmed": "yes"})
    assert done.status == 303
    assert "The comment was deleted." in await (await client.get(done.headers["Location"])).text()
    assert (await post_form(client, f"/answers/{answer.id}/delete")).status == 200
    assert (await post_form(client, f"/answers/{answer.id}/delete", {"confirmed": "yes"})).status == 303
    async with database.read() as session:
        assert (await session.get(Comment, comment.id)).deleted_at is not None
        assert (await session.get(Answer, answer.id)).deleted_at is not None
    # the question page, with its answers, comments and forms, gives each id to one element only
    other = await answers.post_answer(database, bob, question.id, "Contact cement for the edges, then.", BASE)
    await comments.add_comment(database, alice, answer_id=other.id, body="Thanks!", base_url=BASE)
    await comments.add_comment(database, alice, question_id=question.id, body="Any more ideas?", base_url=BASE)
    page = await (await client.get(f"/questions/{question.id}")).text()
    ids = [value for _, attrs in html_elements(page) for name, value in attrs if name == "id"]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


async def test_lists_count_up_to_a_cap_and_every_tab_shows_its_order(client, database, monkeypatch):
    """A million questions are not counted one by one on every page: past the cap the list says "more than"."""
    from node.services import votes

    monkeypatch.setattr(questions, "COUNT_CAP", 3)
    alice, bob = await make_member(database, "alice"), await make_member(database, "bob")
    asked = [await ask(database, alice, title=f"Question number {n} about veneer") for n in range(5)]
    await votes.set_vote(database, bob, "question", asked[1].id, 1)
    page = await (await client.get("/questions")).text()
    count_line = page[page.index('<p class="muted">', page.index('nav class="tabs"')) :][:120]
    assert "More than 3 questions" in count_line, count_line
    first_page = [f"Question number {n} " for n in range(5) if f"Question number {n} " in page]
    assert len(first_page) == 5  # 20 a page: all five are there
    assert page.index("Question number 4") < page.index("Question number 0")  # newest first
    voted = await (await client.get("/questions?tab=votes")).text()
    assert voted.index("Question number 1") < voted.index("Question number 4")  # most voted first
    await questions.delete_question(database, alice, asked[4].id)
    assert "Question number 4" not in await (await client.get("/questions?tab=votes")).text()
    monkeypatch.setattr(questions, "COUNT_CAP", 10)
    assert "4 questions" in await (await client.get("/questions")).text()  # under the cap: the exact count
