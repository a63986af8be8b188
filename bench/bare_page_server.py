"""The baseline for bench/qa_page.py: aiohttp + jinja2 rendering the question template from memory.

It loads the question page data once, then renders the node's own template on every request with no
database, session, CSRF or language middleware: what is left is the floor a page can cost.
"""

import asyncio
import sys
from pathlib import Path
from types import SimpleNamespace

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from node.config import load_config
from node.db import Database
from node.services import instance_settings, questions
from node.web.render import create_environment


def main() -> None:
    url, question_id, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    async def fetch():
        db = Database(url)
        try:
            return await questions.question_page(db, question_id, None)
        finally:
            await db.close()

    page = asyncio.run(fetch())
    config = load_config()
    site = instance_settings.defaults(config)
    template = create_environment().get_template("question.html")
    request = SimpleNamespace(query={}, path_qs=f"/questions/{question_id}")

    async def handler(_request):
        html = template.render(
            request=request,
            config=config,
            me=None,
            csrf_token="",
            flashes=[],
            unread=0,
            path=request.path_qs,
            site=site,
            page=page,
            q=page.question,
        )
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
