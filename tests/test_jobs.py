"""The queues' states are declared once (node/jobs.py) and read by the queue status of the CLI and the admin page."""

import pytest

from node import jobs
from node.federation import deliveries
from node.models import Delivery
from node.services import queue_admin

from .support import log_in, make_member, post_form
from .test_cli import run


def test_a_queue_declaration_is_checked_when_it_is_made():
    waiting = jobs.State("pending", "Pending", False, True, "")
    done = jobs.State("done", "Done", True, False, "")
    lost = jobs.State("lost", "Lost", True, False, "")
    with pytest.raises(AssertionError, match="unreachable"):
        jobs.Queue("q", Delivery, (waiting, done, lost), {"pending": {"done": "worker"}})
    with pytest.raises(AssertionError, match="dead end"):
        jobs.Queue("q", Delivery, (waiting, done), {"pending": {"pending": "retried forever"}})
    with pytest.raises(AssertionError, match="initial state must be waiting"):
        jobs.Queue("q", Delivery, (done, waiting), {"done": {"pending": "x"}})
    assert jobs.DELIVERIES.finished == ("done", "failed", "cancelled") and jobs.INBOX.waiting == ("pending",)


async def test_the_queue_page_and_status_show_every_listed_state(client, database):
    await make_member(database, "ada", role="admin")
    async with database.write() as session:
        for n in range(3):
            await deliveries.enqueue(session, {"id": f"https://here/a/{n}"}, None, ["https://slow.example/inbox"])
    await queue_admin.drop(database, None, "slow.example")
    async with database.write() as session:
        await deliveries.enqueue(session, {"id": "https://here/a/9"}, None, ["https://slow.example/inbox"])
    rows = await queue_admin.status(database)
    assert [(r.domain, r.counts) for r in rows] == [("slow.example", {"pending": 1, "failed": 0, "cancelled": 3})]

    await log_in(client, "ada")
    page = await (await client.get("/admin/queue")).text()
    header = page.split("Deliveries per instance")[1].split("</thead>")[0]
    assert [label in header for label in ("Pending", "Failed", "Cancelled")] == [True, True, True]
    row = page.split("<td>slow.example</td>")[1].split("</tr>")[0]
    assert "<td>1</td><td>0</td><td>3</td>" in row
    queues = page.split('id="queues"')[1].split("</table>")[0]
    assert "<td>mail</td>" in queues and "Cancelled: 3" in queues and "<td>inbox</td>" in queues
    assert (await post_form(client, "/admin/queue/retry", {"domain": "slow.example"})).status == 303
    assert [r.counts for r in await queue_admin.status(database)] == [{"pending": 1, "failed": 0, "cancelled": 3}]


def test_skiller_queue_status_prints_a_column_per_listed_state(tmp_path):
    run(tmp_path, "init", "--non-interactive")
    out = run(tmp_path, "queue", "status").stdout
    assert out.splitlines()[0].split()[:4] == ["instance", "pending", "failed", "cancelled"]
    assert "mail         pending 0, done 0, failed 0" in out and "inbox " in out  # every queue, by state


async def test_healthz_watches_every_declared_queue_including_mail(client, database):
    from datetime import timedelta

    from node.models import MailMessage, utcnow

    body = await (await client.get("/healthz")).json()
    assert set(body["queues"]) == {queue.name for queue in jobs.QUEUES} == {"inbox", "deliveries", "mail", "webhooks"}
    async with database.write() as session:  # a mail waiting for two hours: the instance is not healthy
        session.add(
            MailMessage(
                to_address="a@example.org",
                kind="test",
                subject="s",
                body_text="t",
                body_html="h",
                created_at=utcnow() - timedelta(hours=2),
            )
        )
    stuck = await client.get("/healthz")
    assert stuck.status == 503 and (await stuck.json())["queues"]["mail"]["pending"] == 1
