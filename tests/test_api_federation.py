"""What is done through the API federates as what is done on the site: two nodes over real signed HTTP."""

from sqlalchemy import select

from node.models import Answer, Question
from node.services import api_tokens

from .support import make_member, one
from .testrig import Browser, drain


async def test_follow_ask_answer_and_accept_through_the_api_reach_the_other_node(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    _, alice_token = await api_tokens.create_token(a.db, alice, "intranet", ["write"])
    _, bob_token = await api_tokens.create_token(b.db, bob, "crm", ["write"])
    on_a, on_b = Browser(a.base), Browser(b.base)
    as_alice = {"Authorization": f"Bearer {alice_token}"}
    as_bob = {"Authorization": f"Bearer {bob_token}"}
    try:
        followed = await on_b.put(f"/api/v1/members/alice@{a.domain}/follow", headers=as_bob)
        assert followed.status == 200 and (await followed.json())["state"] == "pending"  # until A accepts
        await drain(nodes)

        asked = await on_a.post(
            "/api/v1/questions",
            json={
                "title": "Which sealant for a shower tray?",
                "body": "Silicone or MS polymer?",
                "tags": ["plomberie"],
            },
            headers=as_alice,
        )
        assert asked.status == 201
        question_id = (await asked.json())["id"]
        await drain(nodes)
        copy = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{question_id}"))
        assert copy is not None and copy.title == "Which sealant for a shower tray?"

        answered = await on_b.post(
            f"/api/v1/questions/{copy.id}/answers", json={"body": "Sanitary silicone with fungicide."}, headers=as_bob
        )
        assert answered.status == 201
        await drain(nodes)
        answer_on_a = await one(a.db, select(Answer).where(Answer.question_id == question_id))
        assert answer_on_a is not None and "fungicide" in answer_on_a.body_html

        accepted = await on_a.post(f"/api/v1/answers/{answer_on_a.id}/accept", headers=as_alice)
        assert (await accepted.json())["accepted_answer_id"] == answer_on_a.id
        await drain(nodes)
        bob_answer = await one(b.db, select(Answer.id).where(Answer.question_id == copy.id))
        assert await one(b.db, select(Question.accepted_answer_id).where(Question.id == copy.id)) == bob_answer
    finally:
        await on_a.close()
        await on_b.close()
