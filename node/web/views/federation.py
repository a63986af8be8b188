"""ActivityPub and discovery endpoints: inboxes, the instance actor, collections, WebFinger, NodeInfo."""

from __future__ import annotations

from aiohttp import web

from activitypub.inbox import InboxError
from activitypub.media_types import ACTIVITY_JSON, wants_as2
from activitypub.nodeinfo import nodeinfo_links
from webfinger.server import host_meta_handler, webfinger_handler

from ... import uris
from ...federation import directory, documents, groups, inbound, to_as2
from ...observability import health
from ...services.errors import ServiceError
from ..keys import FEDERATION

routes = web.RouteTableDef()


def as2_response(document: dict) -> web.Response:
    return web.json_response(document, content_type=ACTIVITY_JSON, headers={"Vary": "Accept"})


def wants_activity_json(request: web.Request) -> bool:
    return wants_as2(request.headers.get("Accept", ""))


@routes.post("/inbox")
@routes.post("/users/{username}/inbox")
@routes.post("/actor/inbox")
@routes.post("/groups/{name}/inbox")
async def inbox(request: web.Request) -> web.Response:
    # The federation policy is checked once the Signature header is parsed, before any key fetch or
    # signature check (inbound.receive): a refused server costs its body's read and JSON parse, no more.
    try:
        await inbound.receive(request.app[FEDERATION], request)
    except InboxError as exc:
        return web.json_response({"error": exc.message}, status=exc.status, headers=exc.headers)
    return web.Response(status=202)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    healthy, details = await health(request.app[FEDERATION].db)
    return web.json_response({"status": "ok" if healthy else "unhealthy", **details}, status=200 if healthy else 503)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    fed = request.app[FEDERATION]
    return web.Response(
        body=await fed.metrics.render(fed.db),
        content_type="text/plain",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


@routes.get("/actor")
async def instance_actor(request: web.Request) -> web.Response:
    return as2_response(await documents.application_actor(request.app[FEDERATION]))


@routes.get("/actor/outbox")
async def instance_outbox(request: web.Request) -> web.Response:
    """The instance actor posts nothing: its outbox is empty, but there (servers check that it answers)."""
    fed = request.app[FEDERATION]
    return as2_response(to_as2.collection(uris.instance_actor_id(fed.base_url) + "/outbox", 0, None, [], 20))


@routes.get("/directory")
async def skill_directory(request: web.Request) -> web.Response:
    """The skill directory (AS2 only): the collection, or a page with `?page=`; `?since=` for what changed."""
    since = request.query.get("since", "")
    if since and directory.instant(since) is None:
        return web.json_response({"error": "since: expected an RFC 3339 instant"}, status=400)
    page = request.query.get("page")
    return as2_response(await directory.collection(request.app[FEDERATION], since, page))


def _page(request: web.Request) -> int | None:
    raw = request.query.get("page")
    return max(1, min(int(raw), 100_000)) if raw and raw.isdigit() else None


@routes.get("/users/{username}/skills/{skill}")
async def skill_object(request: web.Request) -> web.Response:
    """A member's skill as an AS2 object (what a Like endorses), or the profile's skill for people."""
    username, skill = request.match_info["username"], request.match_info["skill"]
    if not wants_activity_json(request):
        raise web.HTTPSeeOther(f"/users/{username}#skill-{skill}")
    return as2_response(await documents.skill(request.app[FEDERATION], username, skill))


@routes.get("/groups/{name}")
async def group_actor(request: web.Request) -> web.Response:
    """A skill's Group actor (FEP-1b12); people are sent to the skill's page."""
    name = request.match_info["name"]
    if not wants_activity_json(request):
        raise web.HTTPSeeOther(uris.tag(name))
    return as2_response(await groups.actor(request.app[FEDERATION], name))


@routes.get("/groups/{name}/outbox")
async def group_outbox(request: web.Request) -> web.Response:
    return as2_response(await groups.outbox(request.app[FEDERATION], request.match_info["name"]))


@routes.get("/groups/{name}/followers")
async def group_followers(request: web.Request) -> web.Response:
    return as2_response(await groups.followers(request.app[FEDERATION], request.match_info["name"]))


@routes.get("/groups/{name}/moderators")
async def group_moderators(request: web.Request) -> web.Response:
    return as2_response(await groups.moderators(request.app[FEDERATION], request.match_info["name"]))


def _post_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise web.HTTPNotFound()
    return int(raw)


@routes.get("/questions/{id}/context")
async def thread(request: web.Request) -> web.Response:
    """A question's whole thread as an AS2 collection (FEP-7888); people are sent to the question's page."""
    question_id = _post_id(request)
    if not wants_activity_json(request):
        raise web.HTTPSeeOther(f"/questions/{question_id}")
    return as2_response(await documents.thread(request.app[FEDERATION], question_id, _page(request)))


@routes.get("/questions/{id}/replies")
@routes.get("/answers/{id}/replies")
async def replies(request: web.Request) -> web.Response:
    """The direct replies to a question or an answer; people are sent to the post on its question's page."""
    post_id, kind = _post_id(request), "question" if request.path.startswith("/questions/") else "answer"
    if not wants_activity_json(request):
        raise web.HTTPSeeOther(f"/{kind}s/{post_id}")
    return as2_response(await documents.replies(request.app[FEDERATION], kind, post_id, _page(request)))


@routes.get("/users/{username}/outbox")
async def outbox(request: web.Request) -> web.Response:
    return as2_response(await documents.outbox(request.app[FEDERATION], request.match_info["username"], _page(request)))


@routes.get("/users/{username}/followers")
@routes.get("/users/{username}/following")
async def follow_collections(request: web.Request) -> web.Response:
    return as2_response(
        await documents.followers(
            request.app[FEDERATION],
            request.match_info["username"],
            _page(request),
            following=request.path.endswith("/following"),
        )
    )


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_index(request: web.Request) -> web.Response:
    base = request.app[FEDERATION].base_url
    return web.json_response(nodeinfo_links(base + "/nodeinfo/2.1"), headers={"Access-Control-Allow-Origin": "*"})


@routes.get("/nodeinfo/2.1")
async def nodeinfo(request: web.Request) -> web.Response:
    return web.json_response(
        await documents.nodeinfo(request.app[FEDERATION]),
        headers={"Access-Control-Allow-Origin": "*"},
        content_type="application/json",
    )


def add_discovery_routes(app: web.Application) -> None:
    """WebFinger and host-meta come from the webfinger package, given how to look our actors up."""
    fed = app[FEDERATION]

    async def lookup(resource: str):
        try:
            return await documents.webfinger(fed, resource)
        except ServiceError:
            return None

    app.router.add_get("/.well-known/webfinger", webfinger_handler(lookup))
    app.router.add_get("/.well-known/host-meta", host_meta_handler(fed.base_url))
