"""What we send reads the same through a JSON-LD processor: every key and type in every document we serve or
deliver is an ActivityStreams or security term or declared in the document's own `@context` (processors such as
Fedify's drop undeclared terms); `/ns` serves that context; FEDERATION.md names every activity we send and accept,
and its examples use declared terms only."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import aiohttp
from sqlalchemy import select

from activitypub.as2 import AS_CONTEXT, SECURITY_CONTEXT, as_list
from node.federation import inbound
from node.federation.actors import find_by_handle
from node.federation.to_as2 import CONTEXT
from node.models import Answer, Member, OutgoingActivity, Question
from node.services import answers, comments, follows, profiles, questions, reports, skills, users_admin, votes

from .support import make_member, one
from .testrig import drain

ROOT = Path(__file__).resolve().parent.parent
FEDERATION_MD = ROOT / "FEDERATION.md"
AS2_JSON = {"Accept": "application/activity+json"}

# The terms of https://www.w3.org/ns/activitystreams (its prefixes as, ldp, vcard, xsd left out).
AS2_TERMS = frozenset(
    """
    id type Accept Activity IntransitiveActivity Add Announce Application Arrive Article Audio Block Collection
    CollectionPage Relationship Create Delete Dislike Document Event Follow Flag Group Ignore Image Invite Join
    Leave Like Link Mention Note Object Offer OrderedCollection OrderedCollectionPage Organization Page Person
    Place Profile Question Reject Remove Service TentativeAccept TentativeReject Tombstone Undo Update Video View
    Listen Read Move Travel IsFollowing IsFollowedBy IsContact IsMember subject relationship actor attributedTo
    attachment bcc bto cc context current first generator icon image inReplyTo items instrument orderedItems last
    location next object oneOf anyOf closed origin accuracy prev preview replies result audience partOf tag target
    to url altitude content contentMap name nameMap duration endTime height href hreflang latitude longitude
    mediaType published radius rel startIndex startTime summary summaryMap totalItems units updated width
    describes formerType deleted inbox outbox following followers streams preferredUsername endpoints uploadMedia
    proxyUrl liked oauthAuthorizationEndpoint oauthTokenEndpoint provideClientKey signClientKey sharedInbox
    Public source likes shares alsoKnownAs
    """.split()
)
AS2_PREFIXES = frozenset(("as", "ldp", "vcard", "xsd"))
# The terms of https://w3id.org/security/v1 that actors use.
SECURITY_TERMS = frozenset(("id", "type", "publicKey", "publicKeyPem", "owner"))
SECURITY_PREFIXES = frozenset(("sec", "dc", "xsd"))


def _inline_definitions(context) -> dict:
    found: dict = {}
    for entry in as_list(context):
        if isinstance(entry, dict):
            found.update(entry)
    return found


def _vocabulary(context) -> tuple[set[str], set[str]]:
    """(terms, prefixes) a processor knows from this @context: the two contexts we reference, and inline ones."""
    terms: set[str] = set()
    prefixes: set[str] = set()
    for entry in as_list(context):
        if entry == AS_CONTEXT:
            terms |= AS2_TERMS
            prefixes |= AS2_PREFIXES
        elif entry == SECURITY_CONTEXT:
            terms |= SECURITY_TERMS
            prefixes |= SECURITY_PREFIXES
        elif isinstance(entry, dict):
            for term, definition in entry.items():
                terms.add(term)
                iri = definition if isinstance(definition, str) else definition.get("@id", "")
                if iri.endswith(("#", "/")):
                    prefixes.add(term)
        else:
            raise AssertionError(f"a remote context a processor would have to fetch: {entry!r}")
    return terms, prefixes


def undeclared(document: dict, context=None) -> list[str]:
    """Where `document` uses a key or a type its @context (or `context`) does not declare, as paths."""
    terms, prefixes = _vocabulary(context if context is not None else document.get("@context"))

    def known(term) -> bool:
        return isinstance(term, str) and (term in terms or term.split(":", 1)[0] in prefixes)

    found: list[str] = []

    def visit(node, path: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                visit(item, f"{path}[{index}]")
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    continue
                here = f"{path}.{key}"
                if not known(key):
                    found.append(here)
                if key == "type":
                    found.extend(f"{here}={kind}" for kind in as_list(value) if not known(kind))
                visit(value, here)

    visit(document, document.get("type", "document") if isinstance(document, dict) else "document")
    return found


def test_every_inline_definition_names_a_prefix_the_context_defines():
    terms, prefixes = _vocabulary(CONTEXT)
    for term, definition in _inline_definitions(CONTEXT).items():
        iri = definition if isinstance(definition, str) else definition["@id"]
        prefix = iri.split(":", 1)[0]
        assert iri.startswith(("http://", "https://")) or prefix in prefixes, f"{term}: {iri} has no known prefix"


def test_the_walk_names_an_undeclared_key_and_type():
    document = {"@context": CONTEXT, "type": "Person", "skills": [{"type": "Badge", "stars": 3}]}
    assert undeclared(document) == ["Person.skills[0].type=Badge", "Person.skills[0].stars"]


async def test_ns_serves_the_context_we_send_inline(client):
    response = await client.get("/ns")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert "max-age" in response.headers["Cache-Control"] and "Set-Cookie" not in response.headers
    document = json.loads(await response.text())
    assert document == {"@context": CONTEXT}
    assert not undeclared({"@context": document["@context"]})
    again = await client.get("/ns", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304


async def test_ns_stays_readable_on_a_private_instance(client):
    from node.services import instance_settings
    from node.web.keys import DB

    admin = await make_member(client.app[DB], "ada", role="admin")
    await instance_settings.set_private_mode(client.app[DB], admin, True)
    assert (await client.get("/ns")).status == 200
    assert (await client.get("/users/ada", headers=AS2_JSON)).status == 401


async def _served(http: aiohttp.ClientSession, url: str) -> dict:
    response = await http.get(url, headers=AS2_JSON)
    assert response.status == 200, f"{url}: {response.status}"
    return await response.json(content_type=None)


async def test_every_document_served_and_activity_sent_declares_its_terms(nodes):
    a, b = nodes
    alice, carol = await make_member(a.db, "alice"), await make_member(a.db, "carol")
    bob = await make_member(b.db, "bob")
    async with a.db.write() as session:  # carol approves her followers one by one
        (await session.get(Member, carol.id)).approve_followers = True
    await skills.add_skill(a.db, alice.id, "Menuiserie", 4, 12)
    alice_on_b = await find_by_handle(b.fed, f"@alice@{a.domain}")
    bob_on_a = await find_by_handle(a.fed, f"@bob@{b.domain}")
    await follows.follow_member(b.db, bob, alice_on_b)  # Follow, Accept
    await follows.follow_member(b.db, bob, await find_by_handle(b.fed, f"@carol@{a.domain}"))
    await drain(nodes)
    await follows.answer_follow_request(a.db, carol, bob_on_a.id, False)  # Reject
    await profiles.set_avatar(a.db, alice.id, "1/avatar.webp")
    await profiles.update_profile(  # Update of the Person, skills and fields
        a.db,
        alice.id,
        display_name="Alice Martin",
        headline="Cabinetmaker",
        organization="Atelier Martin",
        location="Lyon",
        bio="Furniture made to measure.",
        links=[],
    )
    asked = await questions.ask(  # Create of a Question with a Hashtag and a Mention
        a.db,
        alice,
        title="How do I price a joinery quote?",
        body=f"Materials, hours, margin: @bob@{b.domain}, how do you split it?",
        tags="menuiserie",
        base_url=a.base,
    )
    discussion = await questions.ask(  # an Article
        a.db,
        alice,
        title="Workshop safety",
        body="What do you check first?",
        tags="menuiserie",
        base_url=a.base,
        kind="discussion",
    )
    await drain(nodes)
    question_on_b = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
    answered = await answers.post_answer(b.db, bob, question_on_b.id, "Hours first, then materials.", b.base)
    await skills.endorse(b.db, bob, alice_on_b.id, "menuiserie")  # Like of a Skill
    await skills.withdraw_endorsement(b.db, bob, alice_on_b.id, "menuiserie")  # Undo of it
    await drain(nodes)
    answer_on_a = await one(a.db, select(Answer).where(Answer.ap_id == f"{b.base}/answers/{answered.id}"))
    await votes.set_vote(a.db, alice, "answer", answer_on_a.id, 1)  # Like
    await votes.set_vote(a.db, alice, "answer", answer_on_a.id, -1)  # Undo of the Like, Dislike
    await answers.accept_answer(a.db, alice, answer_on_a.id)  # Update with acceptedAnswer
    note = await comments.add_comment(a.db, alice, answer_id=answer_on_a.id, body="Thanks!", base_url=a.base)
    own_note = await comments.add_comment(a.db, alice, question_id=asked.id, body="Any other way?", base_url=a.base)
    await reports.file_report(a.db, alice, "answer", answer_on_a.id, "Advertising", forward=True)  # Flag
    await answers.edit_answer(b.db, bob, answered.id, "Hours first, then materials, then margin.", b.base)
    await drain(nodes)

    directory_published = importlib.util.find_spec("node.federation.directory") is not None
    if directory_published:  # the skill directory: alice listed, carol listed then withdrawn (a Tombstone)
        from node.federation import directory as published

        await skills.add_skill(a.db, carol.id, "Ébénisterie", 2, 3)
        for carol_listed in (True, False):
            async with a.db.write() as session:
                (await session.get(Member, alice.id)).directory_listed = True
                (await session.get(Member, carol.id)).directory_listed = carol_listed
            await published.refresh(a.fed)

    async with aiohttp.ClientSession() as http:
        served = {
            "person": await _served(http, f"{a.base}/users/alice"),
            "instance actor": await _served(http, f"{a.base}/actor"),
            "skill": await _served(http, f"{a.base}/users/alice/skills/menuiserie"),
            "question": await _served(http, f"{a.base}/questions/{asked.id}"),
            "thread": await _served(http, f"{a.base}/questions/{asked.id}/context"),
            "thread page": await _served(http, f"{a.base}/questions/{asked.id}/context?page=1"),
            "replies page": await _served(http, f"{a.base}/questions/{asked.id}/replies?page=1"),
            "article": await _served(http, f"{a.base}/questions/{discussion.id}"),
            "answer": await _served(http, f"{b.base}/answers/{answered.id}"),
            "comment": await _served(http, f"{a.base}/comments/{note.id}"),
            "outbox": await _served(http, f"{a.base}/users/alice/outbox"),
            "outbox page": await _served(http, f"{a.base}/users/alice/outbox?page=1"),
            "followers": await _served(http, f"{a.base}/users/alice/followers"),
            "followers page": await _served(http, f"{a.base}/users/alice/followers?page=1"),
            "following page": await _served(http, f"{b.base}/users/bob/following?page=1"),
            "group": await _served(http, f"{a.base}/groups/menuiserie"),
            "group outbox": await _served(http, f"{a.base}/groups/menuiserie/outbox"),
            "group followers": await _served(http, f"{a.base}/groups/menuiserie/followers"),
            "group moderators": await _served(http, f"{a.base}/groups/menuiserie/moderators"),
        }
        if directory_published:
            for query in ("", "?since=1970-01-01T00:00:00Z"):
                served[f"directory{query}"] = start = await _served(http, f"{a.base}/directory{query}")
                served[f"directory page{query}"] = await _served(http, start["first"])
            assert served["instance actor"]["skillDirectory"] == f"{a.base}/directory"
            items = served["directory page?since=1970-01-01T00:00:00Z"]["orderedItems"]
            assert {item["type"] for item in items} == {"Person", "Tombstone"}
            listed = next(item for item in items if item["type"] == "Person")
            assert listed["id"] == f"{a.base}/users/alice" and "acceptedAnswers" in listed["skills"][0]
    person = served["person"]
    assert person["skills"][0]["level"] == "expert" and person["icon"]["type"] == "Image"
    assert served["question"]["acceptedAnswer"] == answer_on_a.ap_id
    for name, document in served.items():
        assert not undeclared(document), f"{name}: undeclared {undeclared(document)}"

    await comments.delete_comment(a.db, alice, own_note.id)  # Delete of a Note (Tombstone)
    await answers.delete_answer(b.db, bob, answered.id)
    await questions.delete_question(a.db, alice, asked.id)  # Delete of a Question (Tombstone)
    await follows.unfollow_member(b.db, bob, alice_on_b)  # Undo of the Follow
    await users_admin.delete_account(a.db, None, "carol")  # Delete of the actor
    await drain(nodes)
    sent: list[dict] = []
    for node in nodes:
        async with node.db.read() as session:
            sent += [json.loads(p) for p in await session.scalars(select(OutgoingActivity.payload))]
    kinds = {(d["type"], d["object"].get("type") if isinstance(d["object"], dict) else None) for d in sent}
    assert {
        ("Follow", None),
        ("Accept", "Follow"),
        ("Reject", "Follow"),
        ("Undo", "Follow"),
        ("Update", "Person"),
        ("Create", "Question"),
        ("Create", "Article"),
        ("Create", "Note"),
        ("Update", "Question"),
        ("Update", "Note"),
        ("Like", None),
        ("Dislike", None),
        ("Undo", "Like"),
        ("Flag", None),
        ("Delete", "Tombstone"),
        ("Delete", None),
    } <= kinds, kinds
    for document in sent:
        assert not undeclared(document), f"{document['id']}: undeclared {undeclared(document)}"
    documented = FEDERATION_MD.read_text()
    for kind in {k for pair in kinds for k in pair if k}:
        assert f"`{kind}`" in documented, f"FEDERATION.md does not mention `{kind}`, which we send"


def _sent_types() -> set[str]:
    """The AS2 types publish.py writes: every capitalized AS2 term among its string constants."""
    tree = ast.parse((ROOT / "node/federation/publish.py").read_text())
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return {c for c in constants if c in AS2_TERMS and c[0].isupper()}


def test_federation_md_names_every_activity_we_accept_and_send():
    documented = FEDERATION_MD.read_text()
    sent = _sent_types()
    assert {"Create", "Update", "Delete", "Like", "Dislike", "Undo", "Follow", "Accept", "Reject", "Flag"} <= sent
    for kind in sorted(set(inbound.HANDLERS) | sent):
        assert f"`{kind}`" in documented, f"FEDERATION.md does not mention `{kind}`"


def test_federation_md_documents_every_extension_term_and_its_examples_use_declared_terms():
    documented = FEDERATION_MD.read_text()
    ours = {t for t, d in _inline_definitions(CONTEXT).items() if not str(d).endswith(("#", "/"))}
    for term in sorted(ours):
        assert f"`{term}`" in documented, f"FEDERATION.md does not document the term `{term}`"
    assert "/ns" in documented
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", documented, re.S)]
    as2_examples = [e for e in examples if isinstance(e, dict) and ("type" in e or "@context" in e)]
    assert len(as2_examples) >= 6
    for example in as2_examples:
        if "@context" in example:
            assert example["@context"] == CONTEXT, "a context shown in FEDERATION.md must be the one we send"
        assert not undeclared(example, CONTEXT), f"FEDERATION.md example: undeclared {undeclared(example, CONTEXT)}"
