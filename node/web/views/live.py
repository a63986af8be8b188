"""`/live`: a signed-in member's page hears, as server-sent events, its new notifications and the new answers of
the question on screen (node/static/live.js shows them; pages work the same without it).

Events: `notifications` (the unread count, and its label) at once and on every change; `answer` (an answer's
id, its HTML as the question page shows it to this member, and the label of the new count of answers: the page adds
it without a request of its own) for each answer posted after the one the page or the last event showed
(`after`, or `Last-Event-ID` when the browser reconnects), so nothing posted meanwhile is missed. A comment line
every HEARTBEAT seconds keeps proxies from closing an idle stream and ends it once the member's session has ended.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web
from aiohttp_session import SESSION_KEY, STORAGE_KEY, get_session

from ... import i18n
from ...models import Member
from ...services import live, notifications, questions, sessions
from ..keys import CSRF_TOKEN, DB, LIVE, MEMBER, SECURITY_HEADERS, THREADS
from ..live import LIVE_PATH, TooManyStreams
from ..render import FormToken, render_html
from .questions import show_deleted_authors

routes = web.RouteTableDef()
HEARTBEAT = 20.0  # seconds
# How often a quiet stream looks whether its page was closed: the server hears of it only when it looks (or writes),
# and until then the stream holds one of the member's places (STREAMS_PER_MEMBER), needed by their next page.
CLOSED_CHECK = 1.0
RECONNECT_MS = 5000  # how long the browser waits before opening a lost stream again
ANSWERS_READ = 100  # new answers read at a time


def _number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) <= 10 else 0


@routes.get(LIVE_PATH)
async def live_events(request: web.Request) -> web.StreamResponse:
    member = request.get(MEMBER)
    if member is None:
        raise web.HTTPUnauthorized(text="Log in to follow a page live.")
    token = (await get_session(request)).get("token", "")
    question_id = _number(request.query.get("question"))
    after = max(_number(request.query.get("after")), _number(request.headers.get("Last-Event-ID")))
    keys = [live.member_key(member.id)] + ([live.question_key(question_id)] if question_id else [])
    try:
        async with request.app[LIVE].subscribe(member.id, keys) as events:
            stream = _Stream(request, member, question_id, after)
            await stream.follow(events, token)
            return stream.response
    except TooManyStreams:
        raise web.HTTPTooManyRequests(text="Too many pages followed live at once.") from None


class _Stream:
    def __init__(self, request: web.Request, member: Member, question_id: int, after: int) -> None:
        self.request, self.member, self.question_id, self.after = request, member, question_id, after
        self.member_id = member.id
        self.unread = -1
        self.sent: set[int] = set()  # answers sent, after `after`
        self.response = web.StreamResponse(
            headers={
                **dict(request.app[SECURITY_HEADERS]),  # type: ignore[index]
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache, no-store",
                "X-Accel-Buffering": "no",  # nginx passes each event on at once
            }
        )

    async def open(self) -> None:
        """Headers, then what may have changed since the page was rendered: the count, answers after `after`."""
        if self.question_id and not self.request.get(CSRF_TOKEN):
            # The answers sent later carry forms, which need the session's token: made now, while the session's
            # cookie can still go with the headers (nothing saves a stream's session after).
            str(FormToken(self.request))
            await self.request[STORAGE_KEY].save_session(self.request, self.response, self.request[SESSION_KEY])
        await self.response.prepare(self.request)
        await self.send(f"retry: {RECONNECT_MS}\n\n")
        await self.send_unread()  # read once subscribed: nothing committed meanwhile is missed
        if self.question_id:
            await self.send_answers()

    async def follow(self, events: asyncio.Queue, token: str) -> None:
        """Until the page is closed, the session ends or the server stops."""
        try:
            await self.open()
            quiet, step = 0.0, min(CLOSED_CHECK, HEARTBEAT)  # quiet: seconds since the last event or heartbeat
            while True:
                try:
                    message = await asyncio.wait_for(events.get(), step)
                except TimeoutError:
                    transport = self.request.transport
                    if transport is None or transport.is_closing():
                        return  # the page was closed: its place is free for the member's next page
                    quiet += step
                    if quiet < HEARTBEAT:
                        continue
                    quiet = 0.0
                    if await sessions.signed_in_member(self.request.app[DB], self.member_id, token) is None:
                        return  # logged out (here or everywhere): nothing more for this browser
                    await self.send(": heartbeat\n\n")
                    continue
                if message is None:  # the server is stopping
                    return
                if message[0] == "notifications":
                    await self.send_unread()
                elif self.question_id:
                    await self.send_answers()
        except ConnectionResetError:  # the page was closed
            return

    async def send(self, text: str) -> None:
        await self.response.write(text.encode())

    async def send_unread(self) -> None:
        count = await notifications.unread_count(self.request.app[DB], self.member_id)
        if count == self.unread:
            return
        self.unread = count
        label = i18n.ngettext("%(num)s unread", "%(num)s unread", count) % {"num": count}
        await self.send(_event("notifications", {"unread": count, "label": label}))

    async def send_answers(self) -> None:
        # Read again from `after` each time, minus those sent: on PostgreSQL an answer may commit after one with a
        # higher id, and is still shown.
        app = self.request.app
        new, page, total = await questions.answers_after(
            app[DB], self.question_id, self.after, self.member, self.sent, ANSWERS_READ, app[THREADS]
        )
        label = i18n.ngettext("%(num)s answer", "%(num)s answers", total) % {"num": total}
        if page is not None and page.question.deleted_at is None:
            show_deleted_authors(page)
            for shown in page.answers:
                answer_id = shown.answer.id
                html = render_html(self.request, "answer_fragment.html", {"page": page, "q": page.question, "a": shown})
                await self.send(_event("answer", {"id": answer_id, "count": label, "html": html}, event_id=answer_id))
                self.sent.add(answer_id)
        if len(new) == ANSWERS_READ:  # a busy thread: what is before the batch's end is behind us
            self.after = new[-1]
            self.sent = {answer_id for answer_id in self.sent if answer_id > self.after}


def _event(name: str, data: dict, event_id: int | None = None) -> str:
    lines = [f"event: {name}", f"data: {json.dumps(data, ensure_ascii=False)}"]
    if event_id is not None:
        lines.insert(0, f"id: {event_id}")
    return "\n".join(lines) + "\n\n"
