"""Integrity proofs between real nodes (FEP-8b32): endorsements carry a proof by the endorser's Multikey; a relayed
endorsement is believed on its proof alone; a tampered one is refused and changes nothing."""

from __future__ import annotations

import json

import aiohttp
import pytest
from sqlalchemy import delete, select

from activitypub.as2 import id_of
from activitypub.integrity import public_key_from_multikey, verify_object
from activitypub.keys import load_private_key
from activitypub.signatures import sign_headers
from node import uris
from node.federation.actors import find_by_handle
from node.federation.keys import instance_signer
from node.models import Delivery, InboxItem, Member, MemberSkill, OutgoingActivity, Skill
from node.services import skills

from .support import make_member, one
from .testrig import drain, start_nodes, stop_nodes


@pytest.fixture
async def three(tmp_path, sqlite_template, backend):
    started = await start_nodes(tmp_path, sqlite_template, 3, backend)
    yield started
    await stop_nodes(started)


async def _endorsements(node, member_id: int, skill: str) -> int:
    query = (
        select(MemberSkill.endorsement_count).join(Skill).where(MemberSkill.member_id == member_id, Skill.name == skill)
    )
    return await one(node.db, query)


async def _endorse_without_delivering(b, bob: Member, alice_here: Member, skill: str) -> dict:
    """Bob endorses; the Like is queued on B, taken out of B's queue, and returned (as if B could not reach A)."""
    await skills.endorse(b.db, bob, alice_here.id, skill)
    async with b.db.write() as session:
        like = json.loads(
            await session.scalar(select(OutgoingActivity.payload).order_by(OutgoingActivity.id.desc()).limit(1))
        )
        await session.execute(delete(Delivery))
    assert like["type"] == "Like"
    return like


async def _post(url: str, body: dict, key_id: str, private_key) -> int:
    data = json.dumps(body).encode()
    headers = sign_headers("POST", url, {"Content-Type": "application/activity+json"}, data, key_id, private_key)
    async with aiohttp.ClientSession() as http, http.post(url, data=data, headers=headers) as response:
        return response.status


async def _inbox_item(node, activity_id: str) -> tuple[str, str]:
    async with node.db.read() as session:
        row = (
            await session.execute(select(InboxItem.state, InboxItem.error).where(InboxItem.activity_id == activity_id))
        ).one()
    return row.state, row.error


async def test_endorsements_carry_a_proof_by_the_endorsers_multikey_and_count(three):
    a, b, _ = three
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    await skills.add_skill(a.db, alice.id, "menuiserie", 4, 12)
    alice_here = await find_by_handle(b.fed, f"alice@{a.domain}")
    await skills.endorse(b.db, bob, alice_here.id, "menuiserie")
    like = json.loads(await one(b.db, select(OutgoingActivity.payload)))
    await drain(three)

    assert await _endorsements(a, alice.id, "menuiserie") == 1
    bob_there = await one(a.db, select(Member).where(Member.actor_url == uris.actor_id(b.base, "bob")))
    # A learnt bob's Multikey from his actor document, and it is the key the proof names and verifies with.
    assert bob_there.multikey_id == like["proof"]["verificationMethod"] == uris.multikey_id(b.base, "bob")
    verify_object(like, public_key_from_multikey(bob_there.multikey))
    assert (await _inbox_item(a, like["id"]))[0] == "done"


async def test_a_relayed_endorsement_is_believed_on_its_proof(three):
    a, b, c = three
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    await skills.add_skill(a.db, alice.id, "charpente", 3, 5)
    alice_here = await find_by_handle(b.fed, f"alice@{a.domain}")
    await find_by_handle(a.fed, f"bob@{b.domain}")
    like = await _endorse_without_delivering(b, bob, alice_here, "charpente")

    relay = await instance_signer(c.fed)  # another server passes bob's endorsement on, signed with its own key
    assert await _post(f"{a.base}/inbox", like, relay.key_id, relay.private_key) == 202
    await drain(three)
    assert await _inbox_item(a, like["id"]) == ("done", "")
    assert await _endorsements(a, alice.id, "charpente") == 1

    unproven = {name: value for name, value in like.items() if name != "proof"} | {"id": like["id"] + "-again"}
    assert await _post(f"{a.base}/inbox", unproven, relay.key_id, relay.private_key) == 401  # no proof: not taken


async def test_a_tampered_proof_is_refused_and_nothing_is_applied(three):
    a, b, _ = three
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    await skills.add_skill(a.db, alice.id, "menuiserie", 4, 12)
    await skills.add_skill(a.db, alice.id, "charpente", 3, 5)
    alice_here = await find_by_handle(b.fed, f"alice@{a.domain}")
    like = await _endorse_without_delivering(b, bob, alice_here, "menuiserie")

    # The same Like, its object turned to another skill: bob's HTTP signature is valid, his proof no longer is.
    tampered = {**like, "object": id_of(like["object"]).replace("/menuiserie", "/charpente")}
    bob_key = load_private_key(bob.private_key_pem)
    assert await _post(f"{a.base}/inbox", tampered, uris.key_id(b.base, "bob"), bob_key) == 202
    await drain(three)
    state, error = await _inbox_item(a, like["id"])
    assert state == "failed" and error.startswith("refused: integrity proof refused")
    assert await _endorsements(a, alice.id, "charpente") == 0
    assert await _endorsements(a, alice.id, "menuiserie") == 0
