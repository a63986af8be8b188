"""Who knows this, across the instances a company trusts: three nodes, A and B partners, C not."""

from sqlalchemy import select

from node.federation import directory, directory_sync
from node.federation.actors import find_by_handle
from node.models import Notification, Question
from node.services import answer_requests, answers, skills, vocabulary
from node.services import directory as listing

from .support import log_in, make_member, one, post_form
from .testrig import Browser, drain, question_id_from, start_nodes, stop_nodes


async def experts_page(browser: Browser, query: str) -> str:
    response = await browser.get("/experts", params={"q": query})
    assert response.status == 200
    return await response.text()


async def test_a_company_finds_experts_on_its_partners_only_asks_one_and_hears_back(tmp_path, sqlite_template, backend):
    a, b, c = await start_nodes(tmp_path, sqlite_template, 3, backend)
    on_a = Browser(a.base)
    try:
        anne = await make_member(a.db, "anne", display_name="Anne Petit")
        alice = await make_member(a.db, "alice", display_name="Alice Martin")
        await skills.add_skill(a.db, anne.id, "Ébénisterie", 3, 6)
        people = {}
        for node, name, display in (
            (b, "bea", "Béatrice Roux"),
            (b, "bruno", "Bruno Leroy"),
            (c, "chloe", "Chloé Faure"),
        ):
            people[name] = await make_member(node.db, name, display_name=display)
            await skills.add_skill(node.db, people[name].id, "ebenisterie", 4, 15)
        for node in (b, c):
            await directory.refresh(node.fed)
        await listing.save_settings(a.db, None, default_listed=True, partners="list")
        await listing.set_partner(a.db, None, b.domain, True)
        await vocabulary.add_synonym(a.db, None, "cabinet-making", "ebenisterie")
        await directory_sync.sync_all(a.fed)

        await log_in(on_a, "alice")
        for query in ("ebenisterie", "ÉBÉNISTERIE", "Cabinet making", "qui connaît l'ébénisterie"):
            page = await experts_page(on_a, query)
            assert "Anne Petit" in page and "Béatrice Roux" in page and "Bruno Leroy" in page, query
            assert "Chloé Faure" not in page, query  # C is no partner of A
        assert f"{b.base}/users/bea" in page and b.domain in page

        # Alice asks Béatrice, who lives on B, from A; Béatrice is told on B and answers from B.
        asked = await post_form(
            on_a,
            "/ask",
            {
                "expert": f"{b.base}/users/bea",
                "title": "Which joint for a walnut drawer?",
                "body": "Dovetails by hand, or is a router jig as strong?",
                "tags": "ebenisterie",
            },
        )
        assert asked.status == 303, await asked.text()
        question_id = question_id_from(asked.headers["Location"])
        await drain([a, b, c])
        on_b = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{question_id}"))
        assert on_b is not None
        assert await one(b.db, select(Notification.id).where(Notification.member_id == people["bea"].id))
        await answers.post_answer(b.db, people["bea"], on_b.id, "Hand-cut dovetails: they hold for a century.", b.base)
        await drain([a, b, c])
        assert "Hand-cut dovetails" in await (await on_a.get(f"/questions/{question_id}")).text()

        # Bruno withdraws from B's directory: after A's next sync, A's search no longer finds him there.
        await listing.set_listed(b.db, people["bruno"].id, False)
        await directory_sync.sync_all(a.fed)
        page = await experts_page(on_a, "ebenisterie")
        assert "Béatrice Roux" in page and "Bruno Leroy" not in page

        # Invitations to answer reach the right people: Anne here, Bruno on B, nobody on C.
        bruno_on_a = await find_by_handle(a.fed, f"bruno@{b.domain}")
        await answer_requests.invite(a.db, alice, question_id, anne)
        await answer_requests.invite(a.db, alice, question_id, bruno_on_a)
        await drain([a, b, c])
        assert await one(a.db, select(Notification.kind).where(Notification.member_id == anne.id)) == "invited"
        assert await one(b.db, select(Notification.id).where(Notification.member_id == people["bruno"].id))
        assert await one(c.db, select(Notification.id)) is None
    finally:
        await on_a.close()
        await stop_nodes([a, b, c])
