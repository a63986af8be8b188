"""Loopback receiving instances for the benchmarks: one process, one port per instance, 202 to every POST.

A port written `hung:PORT` accepts connections and reads requests but never answers (bench/hol.py)."""

import asyncio
import sys

from aiohttp import web


async def main(ports: list[int]) -> None:
    async def inbox(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202)

    async def hang(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.Event().wait()

    runners = []
    for handler, group in (
        (inbox, [p for p in ports if isinstance(p, int)]),
        (hang, [int(p[5:]) for p in ports if isinstance(p, str)]),
    ):
        app = web.Application()
        app.router.add_post("/inbox", handler)
        app.router.add_post("/users/{name}/inbox", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        for port in group:
            await web.TCPSite(runner, "127.0.0.1", port, backlog=256).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main([p if p.startswith("hung:") else int(p) for p in sys.argv[1:]]))
