"""A visitor's answers are rendered once for what they show (node/web/fragments.py): whatever changes shows at once,
in the visitor's language, and a member still sees their own votes."""

from node.services import answers, comments, profiles, questions, votes
from node.web.keys import VISITOR_ANSWERS

from .support import log_in, make_member

BASE = "http://127.0.0.1:8080"


def answer_html(page: str, answer_id: int) -> str:
    start = page.index(f'id="answer-{answer_id}"')
    return page[start : page.index("</article>", start)]


async def test_a_visitor_sees_every_change_at_once_and_a_member_their_own_vote(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob", display_name="Bob")
    asked = await questions.ask(
        database, alice, title="Which glue for oak?", body="Indoor furniture.", tags="bois", base_url=BASE
    )
    answer = await answers.post_answer(database, bob, asked.id, "PVA glue, type II for damp rooms.", BASE)
    path = f"/questions/{asked.id}"

    first = answer_html(await (await client.get(path)).text(), answer.id)
    assert first == answer_html(await (await client.get(path)).text(), answer.id)  # the kept rendering, the same
    assert len(client.app[VISITOR_ANSWERS].renderings) == 1

    await votes.set_vote(database, alice, "answer", answer.id, 1)
    assert 'data-score="1"' in answer_html(await (await client.get(path)).text(), answer.id)
    await answers.edit_answer(database, bob, answer.id, "Polyurethane glue fills gaps.", BASE)
    assert "Polyurethane" in answer_html(await (await client.get(path)).text(), answer.id)
    await comments.add_comment(database, alice, answer_id=answer.id, body="Thanks, it held.", base_url=BASE)
    assert "Thanks, it held." in answer_html(await (await client.get(path)).text(), answer.id)
    await profiles.update_profile(
        database, bob.id, display_name="Robert", headline="", organization="", location="", bio="", links=[]
    )
    shown = answer_html(await (await client.get(path)).text(), answer.id)
    assert ">Robert</a>" in shown and ">Bob</a>" not in shown
    french = answer_html(await (await client.get(path, headers={"Accept-Language": "fr"})).text(), answer.id)
    assert french != shown  # its own rendering, its dates in French

    await log_in(client, "alice")
    mine = answer_html(await (await client.get(path)).text(), answer.id)
    assert mine != shown and "/report?type=answer" in mine  # a member's answer carries what they can do
