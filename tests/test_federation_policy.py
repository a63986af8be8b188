"""Federation policy enforced at every door, across real nodes and against a stand-in remote server."""

import pytest
from sqlalchemy import func, select

from node.models import AuditEntry, Delivery, InboxItem, Member, MemberFollow, Question
from node.services import federation_policy, follows, questions

from .support import activities_starting, make_member, one
from .testrig import drain, start_nodes, stop_nodes


async def follow_across(follower_node, follower, followed_node, followed_name):
    from node.federation.actors import find_by_handle

    target = await find_by_handle(follower_node.fed, f"{followed_name}@{followed_node.domain}")
    await follows.follow_member(follower_node.db, follower, target)
    return target


async def test_allowlist_refuses_unlisted_servers_and_stores_nothing_then_listed_ones_federate(nodes):
    a, b = nodes
    await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    await federation_policy.set_mode(a.db, None, "allowlist", "partners only")

    alice_on_b = await follow_across(b, bob, a, "alice")
    await drain(nodes)
    assert await one(b.db, select(Delivery.last_status)) == 403
    assert await one(a.db, select(func.count()).select_from(InboxItem)) == 0
    assert await one(a.db, select(func.count()).select_from(Member).where(Member.local.is_(False))) == 0

    await federation_policy.set_policy(a.db, None, b.domain, "allow", private_comment="partner")
    await follows.unfollow_member(b.db, bob, alice_on_b)
    await follows.follow_member(b.db, bob, alice_on_b)
    await drain(nodes)
    assert await one(a.db, select(MemberFollow.state)) == "accepted"
    async with a.db.read() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"federation.mode", "federation.allow"} <= actions


async def test_suspending_a_domain_removes_its_accounts_and_content_and_stops_deliveries(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    # alice follows bob; bob asks; alice gets the question; bob follows alice too
    await follow_across(a, alice, b, "bob")
    await follow_across(b, bob, a, "alice")
    await drain(nodes)
    await questions.ask(
        b.db, bob, title="A question from node B", body="It reaches alice on node A.", tags="test", base_url=b.base
    )
    await drain(nodes)
    assert await one(a.db, select(func.count()).select_from(Question).where(Question.ap_id.is_not(None))) == 1

    await federation_policy.set_policy(a.db, None, b.domain, "suspend", private_comment="spam")
    assert await one(a.db, select(func.count()).select_from(Member).where(Member.domain == b.domain)) == 0
    assert await one(a.db, select(func.count()).select_from(Question).where(Question.ap_id.is_not(None))) == 0
    assert await one(a.db, select(func.count()).select_from(MemberFollow)) == 0

    later = await questions.ask(
        a.db, alice, title="After the suspension", body="Nothing of this goes to B.", tags="test", base_url=a.base
    )
    await drain(nodes)
    assert (
        await one(
            a.db,
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.activity_ref.in_(activities_starting(f"{a.base}/questions/{later.id}"))),
        )
        == 0
    )
    assert (
        await one(b.db, select(func.count()).select_from(Question).where(Question.title == "After the suspension")) == 0
    )


async def test_a_blocked_server_causes_no_outbound_request_at_all(tmp_path, sqlite_template, backend):
    from .test_mastodon import FakeMastodon

    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    mastodon = FakeMastodon()
    await mastodon.start()
    node = nodes[0]
    try:
        mastodon.replacements["https://skiller.example"] = node.base
        await make_member(node.db, "claire")
        await federation_policy.set_policy(node.db, None, f"127.0.0.1:{mastodon.port}", "suspend")
        fetches_before = mastodon.requests
        status = await mastodon.post(f"{node.base}/users/claire/inbox", mastodon.load("follow.json"))
        await drain(nodes)
        assert status == 403
        assert mastodon.requests == fetches_before  # not even the actor or its key was fetched
        assert await one(node.db, select(func.count()).select_from(InboxItem)) == 0
    finally:
        await mastodon.runner.cleanup()
        await stop_nodes(nodes)


async def test_suspending_a_server_keeps_scores_and_reputation_consistent(nodes):
    from node.models import Answer
    from node.services import answers, reputation, votes

    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    await follow_across(a, alice, b, "bob")
    await follow_across(b, bob, a, "alice")
    await drain(nodes)
    mine = await questions.ask(
        a.db, alice, title="Local question, remote votes", body="Votes come from B.", tags="test", base_url=a.base
    )
    await drain(nodes)
    remote_q = await one(b.db, select(Question).where(Question.ap_id.is_not(None)))
    await votes.set_vote(b.db, bob, "question", remote_q.id, 1)
    await answers.post_answer(b.db, bob, remote_q.id, "An answer from node B, upvoted there.", b.base)
    await drain(nodes)
    assert await one(a.db, select(Question.score).where(Question.id == mine.id)) == 1
    assert await one(a.db, select(Question.answer_count).where(Question.id == mine.id)) == 1
    await federation_policy.set_policy(a.db, None, b.domain, "suspend")
    assert await one(a.db, select(Question.score).where(Question.id == mine.id)) == 0
    assert await one(a.db, select(Question.answer_count).where(Question.id == mine.id)) == 0
    assert await one(a.db, select(func.count()).select_from(Answer)) == 0
    assert await reputation.rebuild(a.db) == 0  # the stored reputation already agrees


# A rule matches its domain however it is spelled, when stored and when a host is met: case, a trailing dot,
# Unicode or punycode, credentials or a default port in a URL; and it covers subdomains, as Mastodon's do.
RULES = {  # as an administrator types them → as stored
    "Evil.Example.": "evil.example",
    "xn--bcher-kva.example": "xn--bcher-kva.example",
    "münchen.example": "xn--mnchen-3ya.example",
    "https://Ported.Example.:8443/about": "ported.example:8443",
}
SPELLINGS = [  # (host as met, refused?)
    ("evil.example", True),
    ("Evil.Example.", True),
    ("EVIL.EXAMPLE", True),
    ("sub.evil.example", True),
    ("Sub.EVIL.example.:8443", True),
    ("evil.example:8443", True),
    ("a.b.evil.example.", True),
    ("notevil.example", False),
    ("evil.example.org", False),
    ("example", False),
    ("bücher.example", True),
    ("BÜCHER.example.", True),
    ("xn--bcher-kva.example", True),
    ("xn--bcher-kva.example:8080", True),
    ("sub.bücher.example:8080", True),
    ("bucher.example", False),
    ("xn--mnchen-3ya.example", True),
    ("münchen.example", True),
    ("MÜNCHEN.EXAMPLE.:9000", True),
    ("ported.example:8443", True),
    ("PORTED.example.:8443", True),
    ("sub.ported.example:8443", True),
    ("ported.example", False),
    ("ported.example:9000", False),
]
URLS = [  # hosts met in URLs, as the inbox and the workers look them up (authority_of)
    ("https://user@EVIL.example.:443/users/x#main-key", True),
    ("https://Sub.Bücher.Example./users/x", True),
    ("http://ported.example.:8443/inbox", True),
    ("https://ported.example/inbox", False),
]


async def test_a_rule_matches_every_spelling_of_its_domain_and_its_subdomains(database):
    from activitypub.origins import authority_of
    from node.services.errors import InvalidInput

    for typed in RULES:
        await federation_policy.set_policy(database, None, typed, "suspend")
    assert sorted(p.domain for p in await federation_policy.policies(database)) == sorted(RULES.values())
    policy = federation_policy.snapshot(database)
    refused = {host: not await policy.allows(host) for host, _ in SPELLINGS}
    assert refused == dict(SPELLINGS)
    refused = {url: not await policy.allows(authority_of(url)) for url, _ in URLS}
    assert refused == dict(URLS)
    for bad in ("evil example", "evil.example:port", "-evil.example", ""):
        with pytest.raises(InvalidInput):
            federation_policy.normalize_domain(bad)


async def test_an_allow_list_and_a_media_rule_match_every_spelling_too(database):
    await federation_policy.set_mode(database, None, "allowlist")
    await federation_policy.set_policy(database, None, "Good.Example.", "allow")
    await federation_policy.set_policy(database, None, "bücher.example", "allow", reject_media=True)
    policy = federation_policy.snapshot(database)
    allowed = {
        host: await policy.allows(host)
        for host in ("good.example", "GOOD.example.", "sub.good.example:8443", "xn--bcher-kva.example", "other.example")
    }
    assert allowed == {
        "good.example": True,
        "GOOD.example.": True,
        "sub.good.example:8443": True,
        "xn--bcher-kva.example": True,
        "other.example": False,
    }
    media = {
        host: await policy.accepts_media(host)
        for host in ("good.example", "xn--bcher-kva.example", "Cdn.Bücher.Example.", "cdn.xn--bcher-kva.example:8443")
    }
    assert media == {
        "good.example": True,
        "xn--bcher-kva.example": False,
        "Cdn.Bücher.Example.": False,
        "cdn.xn--bcher-kva.example:8443": False,
    }


async def test_suspending_a_domain_removes_the_accounts_of_its_subdomains_on_any_port(database):
    async with database.write() as session:
        for n, domain in enumerate(
            ("evil.example", "sub.evil.example:8443", "evil.example:8443", "evil.example.org", "notevil.example")
        ):
            session.add(
                Member(
                    username=f"m{n}",
                    username_key=f"m{n}",
                    domain=domain,
                    local=False,
                    actor_url=f"https://{domain}/users/m{n}",
                )
            )
    await federation_policy.set_policy(database, None, "EVIL.example.", "suspend")
    async with database.read() as session:
        left = set(await session.scalars(select(Member.domain).where(Member.local.is_(False))))
    assert left == {"evil.example.org", "notevil.example"}
