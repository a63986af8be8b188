"""Pictures received with posts from other servers: fetched once into our media folder and shown from there, never
from the other server; a server whose media are rejected is not asked for anything; what is not a picture we
accept is not kept. Stand-in servers count every request they receive."""

import copy
import io
import os
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from PIL import Image
from sqlalchemy import func, select

from node.models import Answer, MediaFile
from node.services import federation_policy, questions

from .support import make_member
from .test_images import IMG
from .test_mastodon import FakeMastodon
from .test_policy_every_hop import StandIn
from .testrig import drain, start_nodes, stop_nodes


def serving(body: bytes, content_type: str):
    async def serve(request):
        return web.Response(body=body, content_type=content_type)

    return serve


def png(colour: str, size=(320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def world(tmp_path, sqlite_template, backend):
    """One node, a Mastodon account replying to its questions, and the server its pictures are stored on."""
    [node] = await start_nodes(tmp_path, sqlite_template, 1, backend)
    mastodon, pictures = FakeMastodon(), StandIn()
    await mastodon.start()
    mastodon.replacements["https://skiller.example"] = node.base
    for path, colour in (("/media/joint.png", "orange"), ("/media/inline.png", "brown")):
        pictures.app.router.add_get(path, serving(png(colour), "image/png"))
    yield node, mastodon, pictures
    await mastodon.runner.cleanup()
    if pictures.runner is not None:
        await pictures.runner.cleanup()
    await stop_nodes([node])


async def reply_with_pictures(node, mastodon, pictures, attachments=None, inline=True):
    """A question here, and a Mastodon reply to it carrying pictures; returns the question."""
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db, claire, title="How to cut a tenon by hand?", body="No machine, only hand tools.", tags="menuiserie",
        base_url=node.base,
    )  # fmt: skip
    mastodon.replacements["/questions/42"] = f"/questions/{question.id}"
    create = mastodon.load("create_note_reply.json")
    note = create["object"]
    note["attachment"] = attachments or [
        {
            "type": "Document",
            "mediaType": "image/png",
            "url": f"{pictures.base}/media/joint.png",
            "name": "The joint, marked out",
            "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
            "width": 320,
            "height": 240,
        }
    ]
    if inline:
        note["content"] += f'<p><img src="{pictures.base}/media/inline.png" alt="The saw cut"></p>'
    note.pop("contentMap")
    assert await mastodon.post(f"{node.base}/inbox", create) == 202
    await drain([node])
    return question, create


async def received_answer(node) -> Answer:
    async with node.db.read() as session:
        return await session.scalar(select(Answer))


async def kept_files(node) -> tuple[int, list[str]]:
    async with node.db.read() as session:
        rows = await session.scalar(select(func.count()).select_from(MediaFile))
    folder = Path(node.config.media_dir) / "images"
    return rows, sorted(p.name for p in folder.glob("*")) if folder.exists() else []


async def test_a_reply_with_pictures_shows_our_copies_fetched_once(world):
    node, mastodon, pictures = world
    await pictures.start()
    question, create = await reply_with_pictures(node, mastodon, pictures)

    answer = await received_answer(node)
    shown = IMG.findall(answer.body_html)
    assert [alt for _, alt in shown] == ["The saw cut", "The joint, marked out"]  # the content's, then attachments
    assert all(src.startswith(f"{node.base}/media/images/") for src, _ in shown)
    assert pictures.base not in answer.body_html  # never hot-linked
    async with ClientSession() as browser:
        async with browser.get(f"{node.base}/questions/{question.id}") as response:
            page = await response.text()
        for src, _ in shown:
            assert f'src="{src}"' in page
            async with browser.get(src) as served:
                assert served.status == 200 and served.content_type == "image/png"
    assert sorted(pictures.requests) == ["/media/inline.png", "/media/joint.png"]

    # Edited on its server: the same pictures are not fetched again.
    update = copy.deepcopy(create)
    update["type"], update["id"] = "Update", update["id"] + "/update"
    update["object"]["content"] = update["object"]["content"].replace("sharp chisel", "very sharp chisel")
    assert await mastodon.post(f"{node.base}/inbox", update) == 202
    await drain([node])
    edited = await received_answer(node)
    assert "very sharp chisel" in edited.body_html and IMG.findall(edited.body_html) == shown
    assert len(pictures.requests) == 2


@pytest.mark.parametrize("rejected", ["the author's server", "the pictures' server"])
async def test_no_picture_is_requested_from_a_server_whose_media_are_rejected(world, rejected):
    node, mastodon, pictures = world
    await pictures.start()
    authority = mastodon.base.split("://")[1] if rejected == "the author's server" else pictures.authority
    await federation_policy.set_policy(node.db, None, authority, "allow", reject_media=True)
    await reply_with_pictures(node, mastodon, pictures)

    assert pictures.requests == []
    answer = await received_answer(node)
    assert "Mark the shoulders" in answer.body_html  # the reply is there, without its pictures
    assert "<img" not in answer.body_html and await kept_files(node) == (0, [])


async def test_a_remote_file_that_is_not_an_accepted_picture_or_too_large_is_not_kept(world):
    node, mastodon, pictures = world
    big = os.urandom(node.config.image_max_bytes + 100_000)
    pictures.app.router.add_get("/fake.png", serving(b"<html>hi</html>", "image/png"))
    pictures.app.router.add_get("/huge.png", serving(big, "image/png"))
    pictures.app.router.add_get("/page", serving(b"<html></html>", "text/html"))
    pictures.app.router.add_get("/vector.svg", serving(b"<svg/>", "image/svg+xml"))
    await pictures.start()
    attachments = [
        {"type": "Image", "mediaType": "image/png", "url": f"{pictures.base}{path}", "name": path}
        for path in ("/fake.png", "/huge.png", "/page", "/vector.svg")
    ]
    await reply_with_pictures(node, mastodon, pictures, attachments, inline=False)

    answer = await received_answer(node)
    assert "Mark the shoulders" in answer.body_html and "<img" not in answer.body_html
    assert await kept_files(node) == (0, [])
    assert sorted(pictures.requests) == ["/fake.png", "/huge.png", "/page", "/vector.svg"]  # each asked once
