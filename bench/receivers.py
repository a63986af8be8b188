"""Loopback receiving instances for the benchmarks: one process, 202 to every POST.

Arguments: `PORT` (an instance on 127.0.0.1:PORT), `hung:PORT` (accepts connections and reads requests but
never answers: bench/hol.py), or `hosts:COUNT:PORT` (COUNT instances on distinct loopback addresses sharing one
port, see `instance_address`: thousands of instances without thousands of ports)."""

import asyncio
import sys

from aiohttp import web


def instance_address(number: int) -> str:
    """The loopback address of instance `number` (0 ≤ number < 62,500): Linux routes all of 127.0.0.0/8 to the
    loopback interface, so each instance is a host of its own to the client (its own connections, its own domain)."""
    return f"127.{1 + number // 62_500}.{number // 250 % 250 + 1}.{number % 250 + 1}"


def listen_addresses(args: list[str]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(answering, hung) (address, port) pairs from the command line."""
    answering, hung = [], []
    for arg in args:
        if arg.startswith("hung:"):
            hung.append(("127.0.0.1", int(arg[5:])))
        elif arg.startswith("hosts:"):
            _, count, port = arg.split(":")
            answering += [(instance_address(n), int(port)) for n in range(int(count))]
        else:
            answering.append(("127.0.0.1", int(arg)))
    return answering, hung


async def main(args: list[str]) -> None:
    async def inbox(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202)

    async def hang(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.Event().wait()

    answering, hung = listen_addresses(args)
    runners = []
    for handler, group in ((inbox, answering), (hang, hung)):
        app = web.Application()
        app.router.add_post("/inbox", handler)
        app.router.add_post("/users/{name}/inbox", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        for address, port in group:
            await web.TCPSite(runner, address, port, backlog=256).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
