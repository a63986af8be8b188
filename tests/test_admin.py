"""The administration area: only administrators, the same services as the CLI, everything audited."""

from sqlalchemy import select, update

from node.federation import deliveries
from node.models import AuditEntry, Delivery, DomainPolicy, Instance, Member, utcnow
from node.services import federation_policy

from .support import log_in, make_member, post_form

ADMIN_PAGES = ["/admin/federation", "/admin/instances", "/admin/queue", "/admin/users", "/admin/audit"]


async def test_only_administrators_reach_the_admin_area(client, database):
    await make_member(database, "mia", role="moderator")
    await log_in(client, "mia")
    for page in ADMIN_PAGES:
        response = await client.get(page, allow_redirects=False)
        assert response.status == 403, page
    refused = await post_form(client, "/admin/federation/domains", {"domain": "spam.example", "action": "suspend"})
    assert refused.status == 403
    async with database.read() as session:
        assert await session.scalar(select(DomainPolicy)) is None
    anonymous = await client.session.get(client.make_url("/admin/federation"), allow_redirects=False)
    assert anonymous.status in (303, 403)


async def test_admin_blocks_imports_and_exports_domains_and_every_action_is_audited(client, database):
    await make_member(database, "ada", role="admin")
    await log_in(client, "ada")
    assert (
        await post_form(
            client,
            "/admin/federation/domains",
            {"domain": "Spam.Example", "action": "suspend", "private_comment": "spam wave", "confirmed": "yes"},
        )
    ).status == 303
    bad = await post_form(client, "/admin/federation/domains", {"domain": "not a domain", "action": "suspend"})
    assert bad.status == 400 and "is not a domain name" in await bad.text()
    assert (
        await post_form(client, "/admin/federation/mode", {"mode": "allowlist", "reason": "partners"})
    ).status == 303
    from aiohttp import FormData

    from .support import csrf_token

    form = FormData()
    form.add_field("csrf_token", await csrf_token(client, "/admin/federation"))
    form.add_field(
        "csv",
        b"#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        b"noisy.example,silence,false,true,Too loud,false\n",
        filename="blocks.csv",
        content_type="text/csv",
    )
    assert (await client.post("/admin/federation/import", data=form, allow_redirects=False)).status == 303
    page = await (await client.get("/admin/federation")).text()
    assert "spam.example" in page and "noisy.example" in page
    exported = await (await client.get("/admin/federation/export.csv")).text()
    assert "spam.example,suspend" in exported and "noisy.example,silence,false,true,Too loud" in exported
    assert await federation_policy.get_mode(database) == "allowlist"  # the CLI reads the same state
    audit_page = await (await client.get("/admin/audit")).text()
    for action in ("suspended a domain", "changed the federation mode", "limited a domain"):
        assert action in audit_page
    async with database.read() as session:
        entries = list(await session.scalars(select(AuditEntry)))
    assert all(e.actor_name == "ada" for e in entries) and len(entries) == 3


async def test_known_instances_and_queue_pages_with_retry_and_drop(client, database):
    await make_member(database, "ada", role="admin")
    async with database.write() as session:
        session.add(
            Instance(
                domain="slow.example",
                software="mastodon",
                version="4.3.0",
                consecutive_failures=4,
                failure_days=1,
                last_failure_at=utcnow(),
            )
        )
        session.add(
            Member(
                username="eve",
                username_key="eve",
                domain="slow.example",
                local=False,
                actor_url="https://slow.example/users/eve",
                links=[],
            )
        )
        for n in range(3):
            await deliveries.enqueue(session, {"id": f"https://here/a/{n}"}, None, ["https://slow.example/inbox"])
    await log_in(client, "ada")
    page = await (await client.get("/admin/instances?sort=failures")).text()
    row = page.split('data-domain="slow.example"')[1].split("</tr>")[0]
    assert "mastodon 4.3.0" in row and "failing" in row and ">3<" in row
    assert "slow.example" not in await (await client.get("/admin/instances?state=ok")).text()
    queue = await (await client.get("/admin/queue")).text()
    assert "slow.example" in queue
    asked = await post_form(client, "/admin/queue/drop", {"domain": "slow.example"})
    assert asked.status == 200 and "Drop the pending deliveries to slow.example?" in await asked.text()
    async with database.read() as session:  # asking dropped nothing
        assert {state for (state,) in (await session.execute(select(Delivery.state))).all()} == {"pending"}
    assert (await post_form(client, "/admin/queue/drop", {"domain": "slow.example", "confirmed": "yes"})).status == 303
    async with database.read() as session:  # kept as cancelled, with why: never deleted under a worker
        assert set((await session.execute(select(Delivery.state, Delivery.last_error))).all()) == {
            ("cancelled", "cancelled: dropped by an administrator")
        }


async def test_admin_suspends_a_member_and_changes_a_role(client, database):
    await make_member(database, "ada", role="admin")
    await make_member(database, "carl")
    await log_in(client, "ada")
    assert (await post_form(client, "/admin/users/carl/suspend", {"reason": "spam"})).status == 303
    assert (await post_form(client, "/admin/users/carl/role", {"role": "moderator"})).status == 303
    async with database.read() as session:
        carl = await session.scalar(select(Member).where(Member.username == "carl"))
    assert carl.suspended and carl.role == "moderator"
    own = await post_form(client, "/admin/users/ada/suspend")
    assert own.status == 403
    # Destructive actions ask first; asking changes nothing.
    asked = await post_form(client, "/admin/users/carl/delete", {"reason": "left"})
    assert asked.status == 200 and "Delete the account of carl?" in await asked.text()
    asked = await post_form(client, "/admin/federation/domains", {"domain": "Spam.Example", "action": "suspend"})
    assert asked.status == 200 and "Suspend spam.example?" in await asked.text()
    async with database.read() as session:
        assert (await session.scalar(select(Member).where(Member.username == "carl"))).deleted_at is None
        assert await session.scalar(select(DomainPolicy)) is None
    # A French administrator reads roles and actions in French, not the codes they are stored as.
    french = {"Accept-Language": "fr"}
    audit_page = await (await client.get("/admin/audit", headers=french)).text()
    assert "a suspendu un membre" in audit_page and "a changé un rôle" in audit_page
    assert "users.role" not in audit_page
    users_page = await (await client.get("/admin/users", headers=french)).text()
    assert ">modérateur</option>" in users_page and ">administrateur</option>" in users_page


async def test_instance_settings_show_on_the_about_page_and_in_nodeinfo(client, database):
    await make_member(database, "ada", role="admin")
    await federation_policy.set_policy(
        database, None, "spam.example", "suspend", public_comment="Spam", private_comment="internal note"
    )
    await log_in(client, "ada")
    bad = await post_form(
        client, "/admin/settings", {"name": "", "default_language": "fr", "registration_mode": "open"}
    )
    assert bad.status == 400 and "needs a name" in await bad.text()
    assert (
        await post_form(
            client,
            "/admin/settings",
            {
                "name": "Atelier Commun",
                "description": "Les métiers du bois partagent leurs savoirs.",
                "rules": "Be kind.\nNo ads.",
                "contact": "admin@atelier.example",
                "default_language": "fr",
                "registration_mode": "closed",
                "public_domain_list": "on",
            },
        )
    ).status == 303
    about = await (await client.get("/about", headers={"Accept-Language": "en"})).text()
    assert "Atelier Commun" in about and "Les métiers du bois" in about and "No ads." in about
    assert "spam.example" in about and "Spam" in about and "internal note" not in about
    nodeinfo = await (await client.get("/nodeinfo/2.1")).json()
    assert nodeinfo["metadata"]["nodeName"] == "Atelier Commun" and nodeinfo["openRegistrations"] is False
    await post_form(client, "/logout")
    signup = await client.get("/signup")
    assert signup.status == 403  # registrations closed from the web


async def test_limited_servers_and_silenced_members_are_hidden_from_non_followers(client, database, aiohttp_client):
    from node.services import follows, questions, users_admin

    alice = await make_member(database, "alice")
    loud = await make_member(database, "loud")
    async with database.write() as session:
        remote = Member(
            username="far",
            username_key="far",
            domain="noisy.example",
            local=False,
            actor_url="https://noisy.example/users/far",
            links=[],
        )
        session.add(remote)
        sub = Member(
            username="near",
            username_key="near",
            domain="eu.noisy.example:8443",
            local=False,
            actor_url="https://eu.noisy.example:8443/users/near",
            links=[],
        )
        session.add(sub)
    await questions.ask(
        database,
        remote,
        title="Remote post from a limited server",
        body="",
        tags=["bois"],
        base_url="http://127.0.0.1:8080",
        html="<p>Visible to followers only.</p>",
        ap_id="https://noisy.example/notes/1",
    )
    await questions.ask(
        database,
        sub,
        title="Post from a limited server's subdomain",
        body="",
        tags=["bois"],
        base_url="http://127.0.0.1:8080",
        html="<p>Hidden as well.</p>",
        ap_id="https://eu.noisy.example:8443/notes/1",
    )
    await questions.ask(
        database,
        loud,
        title="Post by a silenced member",
        body="Some body text here.",
        tags="bois",
        base_url="http://127.0.0.1:8080",
    )
    await federation_policy.set_policy(database, None, "noisy.example", "limit")
    await users_admin.set_silenced(database, None, "loud", True, "flooding")
    for path in ("/questions", "/tags/bois", "/search?q=post"):
        page = await (await client.get(path)).text()
        assert "limited server" not in page and "silenced member" not in page, path  # subdomain included
    await follows.follow_member(database, alice, remote)
    await log_in(client, "alice")
    assert "Remote post from a limited server" in await (await client.get("/questions")).text()
    assert "silenced member" not in await (await client.get("/questions")).text()


async def test_healthz_and_metrics(client, database):
    health = await client.get("/healthz")
    body = await health.json()
    assert health.status == 200 and body["status"] == "ok" and body["database"] == "ok"
    assert body["queues"]["deliveries"]["pending"] == 0
    await client.get("/questions")
    metrics = await (await client.get("/metrics")).text()
    assert 'skiller_queue_depth{queue="deliveries"} 0.0' in metrics
    assert 'skiller_http_request_seconds_count{method="GET",route="/questions"}' in metrics
    async with database.write() as session:  # a delivery stuck for two hours makes the instance unhealthy
        from datetime import timedelta

        await deliveries.enqueue(session, {"id": "https://here/a/1"}, None, ["https://far.example/inbox"])
        await session.execute(
            update(Delivery).where(Delivery.domain == "far.example").values(created_at=utcnow() - timedelta(hours=2))
        )
    stuck = await client.get("/healthz")
    assert stuck.status == 503 and (await stuck.json())["queues"]["deliveries"]["pending"] == 1
