"""Received posts keep their meaning: a content warning stays a warning wherever the post's text would show, a
text given per language is read in the instance's, a malformed tag drops that tag and not the post, and a server
without NodeInfo is not asked again at each of its activities. Payloads shaped like Mastodon's and Lemmy's, posted
signed over real HTTP."""

import dataclasses
import re
from datetime import timedelta

import aiohttp
from sqlalchemy import select, update

from node.federation.from_as2 import content_warning, hashtags, localized, mention_hrefs
from node.models import Answer, Instance, MemberFollow, Notification, Question, QuestionTag, Skill, utcnow
from node.services import follows

from .support import log_in, make_member, one
from .test_inbound_robustness import ask_as_claire
from .test_lemmy import CONTEXT, FakeLemmy, lemmy_world  # noqa: F401 - a node and a Lemmy stand-in
from .test_mastodon import FakeMastodon, world  # noqa: F401 - a node and a Mastodon stand-in
from .testrig import Browser, drain, restart_node

WARNING = "Glue test results: a broken joint, photos"  # the summary of create_note_reply_cw.json
HIDDEN = "the polyurethane one held until the wood itself tore"  # and a sentence of its text
COLLAPSED = re.compile(r'<details class="content-warning">.*?</details>', re.DOTALL)


async def page_text(url: str) -> str:
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 200, url
            return await response.text()


def outside_warnings(page: str) -> str:
    """What a reader sees without opening any content warning."""
    return COLLAPSED.sub("", page)


def toplevel_for_claire(mastodon: FakeMastodon, node, number: int, **changes) -> dict:
    """A public Mastodon post of alice's that mentions claire (so it is shown here), the `number`-th."""
    activity = mastodon.load("create_note_toplevel.json")
    status = f"{mastodon.base}/users/alice/statuses/{number}"
    activity["id"], activity["object"]["id"] = status + "/activity", status
    claire = {"type": "Mention", "href": f"{node.base}/users/claire", "name": "@claire"}
    activity["object"]["tag"] = [*activity["object"]["tag"], claire]
    activity["object"].update(changes)
    return activity


async def test_a_mastodon_reply_behind_a_content_warning_stays_collapsed_on_the_page_and_in_search(world):
    node, mastodon = world
    _, question = await ask_as_claire(node)
    mastodon.replacements["/questions/42"] = f"/questions/{question.id}"
    activity = mastodon.load("create_note_reply_cw.json")
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    await drain([node])

    answer = await one(node.db, select(Answer).where(Answer.ap_id == activity["object"]["id"]))
    assert answer.content_warning == WARNING and HIDDEN in answer.body_html
    page = await page_text(f"{node.base}/questions/{question.id}")
    assert f"<summary>{WARNING}</summary>" in page
    assert HIDDEN in page and HIDDEN not in outside_warnings(page)

    results = await page_text(f"{node.base}/search?q=polyurethane")
    assert f"/answers/{answer.id}" in results  # found by its hidden words
    listed = results.split('<ol class="results">', 1)[1].split("</ol>", 1)[0]
    assert WARNING in listed and "polyurethane" not in listed  # shown by its warning, not by its words

    # Alice edits her post and lifts the warning, as Mastodon sends it: the whole Note again, `summary` null.
    lifted = {**activity["object"], "summary": None, "sensitive": False, "updated": "2026-03-14T11:00:00Z"}
    edit = {**activity, "type": "Update", "id": f"{lifted['id']}#updates/1", "object": lifted}
    assert await mastodon.post(f"{node.base}/inbox", edit) == 202
    await drain([node])
    assert (await one(node.db, select(Answer).where(Answer.id == answer.id))).content_warning is None
    assert HIDDEN in outside_warnings(await page_text(f"{node.base}/questions/{question.id}"))


async def test_a_warned_post_without_a_title_is_titled_by_its_warning_in_lists(world):
    """Mastodon posts have no title: the start of the text would be one, and would show what the warning hides.
    The warning, sanitized (some servers send HTML), stands for it."""
    node, mastodon = world
    await make_member(node.db, "claire")
    summary = "<p>Oak &amp; <b>ash</b> prices</p><script>alert(1)</script>"
    activity = toplevel_for_claire(mastodon, node, 7, summary=summary, sensitive=True)
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    await drain([node])

    question = await one(node.db, select(Question).where(Question.ap_id == activity["object"]["id"]))
    assert (question.title, question.content_warning) == ("Oak & ash prices", "Oak & ash prices")
    hidden = "hand-cut through dovetails"
    listed = await page_text(f"{node.base}/questions")
    assert "Oak &amp; ash prices" in listed and hidden not in listed
    page = await page_text(f"{node.base}/questions/{question.id}")
    assert "<summary>Oak &amp; ash prices</summary>" in page and "alert(1)" not in page
    assert hidden in page and hidden not in outside_warnings(page)
    history = await page_text(f"{node.base}/questions/{question.id}/revisions")
    assert hidden in history and hidden not in outside_warnings(history)
    assert {name async for name in tag_names(node, question.id)} == {"menuiserie", "woodworking"}


async def test_a_direct_message_behind_a_content_warning_shows_the_warning_in_notifications(world):
    node, mastodon = world
    claire, question = await ask_as_claire(node)
    mastodon.replacements["/questions/42"] = f"/questions/{question.id}"
    direct = mastodon.load("create_note_reply_cw.json")
    for document in (direct, direct["object"]):
        document["to"], document["cc"] = [f"{node.base}/users/claire"], []
    assert await mastodon.post(f"{node.base}/inbox", direct) == 202
    await drain([node])

    message = await one(
        node.db, select(Notification).where(Notification.member_id == claire.id, Notification.kind != "badge")
    )
    assert message.kind == "message" and message.content_warning == WARNING and HIDDEN in message.excerpt
    browser = Browser(node.base)
    try:
        await log_in(browser, "claire")
        page = await (await browser.get("/notifications")).text()
    finally:
        await browser.close()
    assert WARNING in page and HIDDEN in page and HIDDEN not in outside_warnings(page)


async def follow_community(node, lemmy: FakeLemmy) -> None:
    """claire follows the Lemmy community, which accepts."""
    from node.federation.actors import get_actor

    claire = await make_member(node.db, "claire")
    community = await get_actor(node.fed, lemmy.community)
    await follows.follow_member(node.db, claire, community)
    await drain([node])
    follow = next(a for a in lemmy.received if a["type"] == "Follow")
    accept = {
        "@context": CONTEXT,
        "actor": lemmy.community,
        "to": [f"{node.base}/users/claire"],
        "object": follow,
        "type": "Accept",
        "id": f"{lemmy.base}/activities/accept/1",
    }
    assert await lemmy.send(f"{node.base}/users/claire/inbox", accept, lemmy.community) == 202
    await drain([node])
    assert await one(node.db, select(MemberFollow.state).where(MemberFollow.followed_id == community.id)) == "accepted"


async def test_a_lemmy_post_marked_nsfw_is_collapsed_under_a_generic_warning_and_keeps_its_title(lemmy_world):
    node, lemmy = lemmy_world
    await follow_community(node, lemmy)
    post_id = f"{lemmy.base}/post/1"
    lemmy.documents[post_id]["sensitive"] = True  # Lemmy's NSFW flag: the whole post, no summary
    assert await lemmy.send(f"{node.base}/inbox", lemmy.announce(1, lemmy.create(1, post_id)), lemmy.community) == 202
    assert (
        await lemmy.send(
            f"{node.base}/inbox", lemmy.announce(2, lemmy.create(2, f"{lemmy.base}/comment/1")), lemmy.community
        )
        == 202
    )
    await drain([node])

    discussion = await one(node.db, select(Question).where(Question.ap_id == post_id))
    assert discussion.content_warning == "" and discussion.title == "Dovetails by hand or with a jig?"
    answer = await one(node.db, select(Answer).where(Answer.question_id == discussion.id))
    assert answer.content_warning is None  # the comment carries no flag of its own
    page = await page_text(f"{node.base}/questions/{discussion.id}")
    assert "<summary>Sensitive content</summary>" in page
    shown = outside_warnings(page)
    assert "first chest of drawers" in page and "first chest of drawers" not in shown
    assert "Dovetails by hand or with a jig?" in shown and "the jig comes later" in shown


async def test_a_text_given_only_per_language_is_read_in_the_instance_language(world):
    node, mastodon = world
    node.config = dataclasses.replace(node.config, default_language="fr")
    await restart_node(node)
    _, question = await ask_as_claire(node)
    reply = mastodon.load("create_note_reply.json")
    reply["object"]["inReplyTo"] = f"{node.base}/questions/{question.id}"
    del reply["object"]["content"]
    reply["object"]["contentMap"] = {
        "de": "<p>Polyurethan-Leim, einen Tag gespannt.</p>",
        "en": "<p>Polyurethane glue, clamped for a day.</p>",
        "fr-CA": "<p>Colle polyuréthane, serrée une journée.</p>",
    }
    assert await mastodon.post(f"{node.base}/inbox", reply) == 202
    article = toplevel_for_claire(mastodon, node, 8, type="Article", sensitive=True)
    del article["object"]["content"]
    article["object"].update(
        nameMap={"en": "Finishing oak outdoors", "fr": "Finir le chêne en extérieur"},
        contentMap={"en": "<p>Three coats of oil.</p>", "fr": "<p>Trois couches d’huile.</p>"},
        summaryMap={"en": "Solvent fumes", "fr": "Vapeurs de solvant"},
    )
    assert await mastodon.post(f"{node.base}/inbox", article) == 202
    await drain([node])

    answer = await one(node.db, select(Answer).where(Answer.question_id == question.id))
    assert "Colle polyuréthane" in answer.body_html
    post = await one(node.db, select(Question).where(Question.ap_id == article["object"]["id"]))
    assert (post.title, post.content_warning, post.language) == (
        "Finir le chêne en extérieur",
        "Vapeurs de solvant",
        "fr",
    )
    assert "Trois couches" in post.body_html


def test_a_language_map_falls_back_to_english_then_to_its_first_entry():
    texts = {"de": "Leim", "en-GB": "Glue", "fr": "Colle"}
    assert localized({"contentMap": texts}, "content", ("fr",)) == ("Colle", "fr")
    assert localized({"contentMap": texts}, "content", ("es",)) == ("Glue", "en")
    assert localized({"contentMap": {"de": "Leim", "it": "Colla"}}, "content", ("fr",)) == ("Leim", "de")
    # the plain value wins, its language read from the map entry that repeats it (as Mastodon sends both)
    assert localized({"content": "Colle", "contentMap": texts}, "content", ("de",)) == ("Colle", "fr")
    assert localized({"content": 5, "contentMap": ["x"]}, "content", ("fr",)) == ("", "")


def test_a_summary_is_a_warning_on_notes_but_an_excerpt_on_articles_unless_sensitive():
    assert content_warning("Note", "Spoilers", False) == "Spoilers"  # Mastodon's spoiler text
    assert content_warning("Note", "", True) is None  # Mastodon: only media were sensitive
    assert content_warning("Article", "An excerpt", False) is None  # Mastodon's and our discussions' excerpt
    assert content_warning("Page", "", True) == ""  # Lemmy's NSFW post: a warning without words
    assert content_warning("Page", "Gore", True) == "Gore"


async def tag_names(node, question_id: int):
    async with node.db.read() as session:
        for name in await session.scalars(
            select(Skill.name).join(QuestionTag).where(QuestionTag.question_id == question_id)
        ):
            yield name


async def test_malformed_tags_mentions_and_attachments_drop_themselves_not_the_post(world):
    node, mastodon = world
    claire = await make_member(node.db, "claire")
    junk = [
        "#oak",
        5,
        None,
        {"type": "Hashtag"},
        {"type": "Hashtag", "name": 42},
        {"type": "Hashtag", "name": ["#oak"]},
        {"type": "Hashtag", "name": "#" + "x" * 5000},
        {"type": "Hashtag", "name": "#!!!"},
        {"type": "Hashtag", "name": "#Oak"},
        {"type": "Mention"},
        {"type": "Mention", "href": {"no": "id"}},
        {"type": "Mention", "href": 7},
        {"type": "Emoji", "name": None},
    ]
    activity = toplevel_for_claire(mastodon, node, 9, attachment=["junk", 3, {"type": "Document", "url": 5}, None])
    activity["object"]["tag"] = junk + activity["object"]["tag"]
    assert (
        hashtags(activity["object"]) == ["!!!", "Oak", "menuiserie", "woodworking"]
        and len(mention_hrefs(activity["object"])) == 1
    )
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    await drain([node])

    question = await one(node.db, select(Question).where(Question.ap_id == activity["object"]["id"]))
    assert question is not None and "hand-cut through dovetails" in question.body_html
    assert {name async for name in tag_names(node, question.id)} == {"oak", "menuiserie", "woodworking"}
    mentioned = await one(
        node.db, select(Notification.kind).where(Notification.member_id == claire.id, Notification.kind == "mention")
    )
    assert mentioned == "mention"


async def test_a_server_without_nodeinfo_is_asked_once_an_hour_not_at_each_activity(world):
    node, mastodon = world
    _, question = await ask_as_claire(node)
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Like",
        "actor": f"{mastodon.base}/users/alice",
        "object": f"{node.base}/questions/{question.id}",
    }

    async def like_times(first: int, count: int) -> None:
        for n in range(first, first + count):
            assert await mastodon.post(f"{node.base}/inbox", {**like, "id": f"{like['actor']}#likes/{n}"}) == 202
        await drain([node])

    await like_times(1, 4)
    assert mastodon.paths.count("/.well-known/nodeinfo") == 1  # it has none (404): not asked again
    domain = mastodon.base.split("://", 1)[1]
    instance = await one(node.db, select(Instance).where(Instance.domain == domain))
    assert instance.software == "" and instance.nodeinfo_failed_at is not None

    async with node.db.write() as session:  # an hour and more later, it is asked again; now it answers
        await session.execute(update(Instance).values(nodeinfo_failed_at=utcnow() - timedelta(minutes=61)))
    mastodon.nodeinfo = {"version": "2.0", "software": {"name": "mastodon", "version": "4.6.5"}, "protocols": []}
    await like_times(5, 3)
    assert mastodon.paths.count("/.well-known/nodeinfo") == 2
    instance = await one(node.db, select(Instance).where(Instance.domain == domain))
    assert (instance.software, instance.version, instance.nodeinfo_failed_at) == ("mastodon", "4.6.5", None)
