"""Received activities that the protocol allows never crash or mislead the node: mentions are read from the
Mention tags, lists of types are understood, duplicate keys are refused, a burst from one server is slowed down
before it costs key fetches, and a refusal by the database is never recorded as success."""

import dataclasses
import json

import aiohttp
import pytest
from sqlalchemy import select, text, update

from activitypub.inbox import SenderRateLimit
from activitypub.keys import load_private_key
from activitypub.signatures import sign_headers
from node.federation.inbox_queue import process_due
from node.models import Answer, InboxItem, Notification, Report, utcnow
from node.services import questions

from .support import make_member
from .test_mastodon import FakeMastodon, count, world  # noqa: F401 - a node and a Mastodon stand-in
from .testrig import restart_node


async def ask_as_claire(node):
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db,
        claire,
        title="Which glue for outdoor oak?",
        body="A garden bench, rain and sun all year.",
        tags="menuiserie",
        base_url=node.base,
    )
    return claire, question


def reply(mastodon: FakeMastodon, node, question, number: int, content: str, tags: list[dict]) -> dict:
    """A Mastodon Create of a reply to `question`, the `number`-th status of alice's."""
    activity = mastodon.load("create_note_reply.json")
    status = f"{mastodon.base}/users/alice/statuses/{number}"
    activity["id"], activity["object"]["id"] = status + "/activity", status
    activity["object"]["inReplyTo"] = f"{node.base}/questions/{question.id}"
    activity["object"]["content"], activity["object"]["tag"] = content, tags
    activity["object"].pop("contentMap")
    return activity


async def mentions_of(node, member) -> int:
    return await count(node.db, Notification, Notification.member_id == member.id, Notification.kind == "mention")


async def inbox_item(node, activity_id: str) -> InboxItem:
    async with node.db.read() as session:
        return await session.scalar(select(InboxItem).where(InboxItem.activity_id == activity_id))


async def test_a_remote_mention_notifies_the_member_its_href_designates_not_the_name_in_its_text(world):
    node, mastodon = world
    claire, question = await ask_as_claire(node)
    alice, bob = await make_member(node.db, "alice"), await make_member(node.db, "bob")
    bob_url = f"{node.base}/users/bob"
    lure = reply(
        mastodon,
        node,
        question,
        1,
        f'<p><a href="{bob_url}" class="u-url mention">@alice</a> hide glue, warmed.</p>',
        [{"type": "Mention", "href": bob_url, "name": "@alice"}],
    )
    assert await mastodon.post(f"{node.base}/inbox", lure) == 202
    plain = reply(mastodon, node, question, 2, "<p>@alice what do you think? Epoxy for the joints.</p>", [])
    assert await mastodon.post(f"{node.base}/inbox", plain) == 202
    await process_due(node.fed)

    assert await mentions_of(node, bob) == 1  # the Mention tag designates bob
    assert await mentions_of(node, alice) == 0  # the text's "@alice", linked or plain, designates nobody
    assert await count(node.db, Notification, Notification.kind == "mention") == 1
    async with node.db.read() as session:
        stored = list(
            await session.scalars(select(Answer).where(Answer.question_id == question.id).order_by(Answer.id))
        )
    assert [a.ap_id for a in stored] == [lure["object"]["id"], plain["object"]["id"]]
    assert f'href="{bob_url}"' in stored[0].body_html  # shown as sent: the link goes where the tag says


async def test_types_given_as_lists_are_read_as_their_first_understood_type(world):
    node, mastodon = world
    claire, question = await ask_as_claire(node)
    bob = await make_member(node.db, "bob")
    bob_url = f"{node.base}/users/bob"
    activity = reply(
        mastodon,
        node,
        question,
        3,
        f'<p><a href="{bob_url}">@bob</a> resorcinol, as boat builders do.</p>',
        [
            {"type": ["Mention", "Link"], "href": bob_url, "name": "@bob"},
            {"type": ["Hashtag"], "href": f"{mastodon.base}/tags/oak", "name": "#oak"},
        ],
    )
    activity["type"] = ["Create", "Activity"]
    activity["object"]["type"] = ["Note", "Article"]
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    item = await inbox_item(node, activity["id"])
    assert item.activity_type == "Create"  # stored as a string, the type the worker acts on
    await process_due(node.fed)

    item = await inbox_item(node, activity["id"])
    assert (item.state, item.error) == ("done", "")
    async with node.db.read() as session:
        answer = await session.scalar(select(Answer).where(Answer.question_id == question.id))
    assert answer is not None and answer.ap_id == activity["object"]["id"]  # a Note replying: an answer
    assert "resorcinol" in answer.body_html
    assert await mentions_of(node, bob) == 1
    assert await count(node.db, Notification, Notification.member_id == claire.id, Notification.kind == "answer") == 1


async def test_an_unknown_list_of_types_is_recorded_and_ignored(world):
    node, mastodon = world
    await ask_as_claire(node)
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{mastodon.base}/users/alice#arrivals/1",
        "type": ["Arrive", 7],
        "actor": f"{mastodon.base}/users/alice",
        "object": f"{mastodon.base}/users/alice",
    }
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    assert (await inbox_item(node, activity["id"])).activity_type == "Arrive"
    await process_due(node.fed)
    item = await inbox_item(node, activity["id"])
    assert item.state == "done" and "unsupported activity type" in item.error


async def test_a_body_with_a_duplicated_key_is_refused_and_stores_nothing(world):
    node, mastodon = world
    claire, question = await ask_as_claire(node)
    activity = reply(mastodon, node, question, 4, "<p>Polyurethane glue, clamped a day.</p>", [])
    # Two readers of this body could disagree on its id: the parser must not pick one silently.
    body = json.dumps(activity)[:-1] + f', "id": "{mastodon.base}/users/alice/statuses/5/activity"}}'
    assert json.loads(body)["id"].endswith("/5/activity")  # the stdlib keeps the last one
    assert await mastodon.post(f"{node.base}/inbox", body.encode()) == 400
    assert await count(node.db, InboxItem) == 0
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202  # the same, without the second key
    assert await count(node.db, InboxItem) == 1


async def post_signed(mastodon: FakeMastodon, url: str, activity: dict, key_id: str) -> tuple[int, dict]:
    body = json.dumps(activity).encode()
    headers = sign_headers(
        "POST",
        url,
        {"Content-Type": "application/activity+json"},
        body,
        key_id,
        load_private_key(mastodon.keys.private_pem),
    )
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as response:
            return response.status, dict(response.headers)


async def test_a_burst_from_one_server_gets_429_before_any_key_fetch_and_stores_nothing(world):
    node, mastodon = world
    node.config = dataclasses.replace(node.config, inbox_rate_per_domain=1)  # 1 a second, bursts of 4
    await restart_node(node)
    claire, question = await ask_as_claire(node)
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Like",
        "actor": f"{mastodon.base}/users/alice",
        "object": f"{node.base}/questions/{question.id}",
    }
    inbox, alice_key = f"{node.base}/inbox", f"{mastodon.base}/users/alice#main-key"
    taken = [
        await post_signed(mastodon, inbox, {**like, "id": f"{like['actor']}#likes/{n}"}, alice_key) for n in range(4)
    ]
    assert [status for status, _ in taken] == [202] * 4
    asked = mastodon.requests  # alice's actor, fetched for the first
    # Keys nobody has fetched yet: without the limit, each would cost a request to the sender's server.
    refused = [
        await post_signed(
            mastodon, inbox, {**like, "id": f"{like['actor']}#likes/{n}"}, f"{mastodon.base}/users/nobody{n}#main-key"
        )
        for n in range(4, 10)
    ]
    refused.append(await post_signed(mastodon, inbox, {**like, "id": f"{like['actor']}#likes/10"}, alice_key))
    assert [status for status, _ in refused] == [429] * 7
    assert all(int(headers["Retry-After"]) >= 1 for _, headers in refused)
    assert mastodon.requests == asked  # no key fetched for a refused request
    assert await count(node.db, InboxItem) == 4  # and none stored
    limit = node.fed.inbox_rate_limit
    assert (limit.rate, limit.burst) == (1, 4)


def test_sender_rate_limit_refills_at_its_rate_and_forgets_idle_senders():
    now = [100.0]
    limit = SenderRateLimit(rate=50, burst=200, max_senders=8, clock=lambda: now[0])
    assert all(limit.take("a.example") == 0 for _ in range(200))
    assert limit.take("a.example") == pytest.approx(1 / 50)  # the next token in 20 ms
    assert limit.take("b.example") == 0  # another server has its own allowance
    now[0] += 0.5  # 25 tokens later
    assert [limit.take("a.example") == 0 for _ in range(26)] == [True] * 25 + [False]
    for n in range(20):
        limit.take(f"s{n}.example")
    assert len(limit._buckets) <= 8


async def refuse_inserts(node, table: str, column: str, value: str) -> None:
    """Make the database refuse one row, as a constraint of its own would (a trigger raising)."""
    async with node.db.write() as session:
        if node.db.is_sqlite:
            await session.execute(
                text(
                    f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} WHEN NEW.{column} = '{value}' "
                    "BEGIN SELECT RAISE(ABORT, 'row refused by the test'); END"
                )
            )
        else:
            await session.execute(
                text(
                    "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF NEW.{column} = '{value}' THEN "
                    "RAISE EXCEPTION 'row refused by the test' USING ERRCODE = 'check_violation'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            await session.execute(
                text(f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_row()")
            )


async def accept_inserts_again(node, table: str) -> None:
    async with node.db.write() as session:
        await session.execute(text("DROP TRIGGER refuse_row" + ("" if node.db.is_sqlite else f" ON {table}")))


async def retry_now(node) -> None:
    async with node.db.write() as session:
        await session.execute(update(InboxItem).values(next_attempt_at=utcnow()))


async def test_a_reply_the_database_refuses_is_retried_not_marked_done(world):
    node, mastodon = world
    claire, question = await ask_as_claire(node)
    activity = reply(mastodon, node, question, 6, "<p>Polyurethane glue, clamped a day.</p>", [])
    await refuse_inserts(node, "answer", "ap_id", activity["object"]["id"])
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    await process_due(node.fed)

    item = await inbox_item(node, activity["id"])
    assert item.state in ("pending", "failed") and "row refused by the test" in item.error
    assert await count(node.db, Answer) == 0

    await accept_inserts_again(node, "answer")
    await retry_now(node)
    await process_due(node.fed)
    item = await inbox_item(node, activity["id"])
    assert (item.state, item.error) == ("done", "")
    assert await count(node.db, Answer, Answer.ap_id == activity["object"]["id"]) == 1


async def test_a_report_the_database_refuses_is_retried_not_marked_done(world):
    node, mastodon = world
    claire, question = await ask_as_claire(node)
    flag = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{mastodon.base}/reports/1",
        "type": "Flag",
        "actor": f"{mastodon.base}/users/alice",
        "content": "Spam",
        "object": [f"{node.base}/users/claire", f"{node.base}/questions/{question.id}"],
    }
    await refuse_inserts(node, "report", "ap_id", flag["id"])
    assert await mastodon.post(f"{node.base}/inbox", flag) == 202
    await process_due(node.fed)
    item = await inbox_item(node, flag["id"])
    assert item.state in ("pending", "failed") and "row refused by the test" in item.error
    assert await count(node.db, Report) == 0

    await accept_inserts_again(node, "report")
    await retry_now(node)
    await process_due(node.fed)
    assert (await inbox_item(node, flag["id"])).state == "done"
    assert await count(node.db, Report, Report.ap_id == flag["id"]) == 1


def test_first_type_takes_the_first_type_understood():
    from activitypub.as2 import first_type, types_of

    assert first_type({"type": "Note"}, {"Note"}) == "Note"
    assert first_type({"type": ["Note", "Article"]}, {"Article", "Note"}) == "Note"
    assert first_type({"type": ["Emoji", 3, {"x": 1}, "Mention"]}, {"Mention", "Hashtag"}) == "Mention"
    assert first_type({"type": ["Move"]}, {"Note"}) is None
    assert first_type({"type": {"Note": 1}}, {"Note"}) is None
    assert first_type("Note", {"Note"}) is None and first_type(None, {"Note"}) is None
    assert types_of({"type": ["Create", None, "Activity"]}) == ["Create", "Activity"]
    assert types_of({"type": 5}) == [] and types_of({}) == []


async def test_an_actor_whose_type_is_a_list_is_verified_and_its_reply_kept(world):
    """The actor document itself may carry several types (and its hashtags too): its key is found, its signed
    reply is accepted and applied, never a 5xx."""
    node, mastodon = world
    _, question = await ask_as_claire(node)
    actor = mastodon.load("actor.json")
    actor["type"] = ["Person", "Creator"]
    actor["tag"] = [{"type": ["Hashtag"], "href": f"{mastodon.base}/tags/oak", "name": "#oak"}]
    mastodon.actor_document = actor
    activity = reply(mastodon, node, question, 5, "<p>Epoxy, thinly.</p>", [])
    assert await mastodon.post(f"{node.base}/inbox", activity) == 202
    await process_due(node.fed)
    assert (await inbox_item(node, activity["id"])).state == "done"
    async with node.db.read() as session:
        answer = await session.scalar(select(Answer).where(Answer.question_id == question.id))
    assert answer is not None and "Epoxy" in answer.body_html


async def test_a_burst_of_one_new_senders_activities_reads_its_stored_key_once(database, config):
    """Twenty requests signed by a key not yet in memory wait for one database read, not twenty."""
    import asyncio

    from sqlalchemy import event

    from node.federation.actors import public_key_for
    from node.federation.runtime import create_federation
    from node.models import Member

    key_id = "https://elsewhere.example/users/eve#main-key"
    async with database.write() as session:
        session.add(
            Member(
                username="eve",
                username_key="eve",
                domain="elsewhere.example",
                local=False,
                actor_url="https://elsewhere.example/users/eve",
                key_id=key_id,
                public_key_pem="PEM",
            )
        )
    reads = []

    def count_reads(conn, cursor, statement, parameters, context, executemany):
        if "key_id" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count_reads)
    fed = create_federation(config, database)
    found = await asyncio.gather(*(public_key_for(fed, key_id, False) for _ in range(20)))
    event.remove(database.engine.sync_engine, "before_cursor_execute", count_reads)
    assert found == [("https://elsewhere.example/users/eve", "PEM")] * 20
    assert len(reads) == 1
