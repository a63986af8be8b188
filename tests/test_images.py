"""Pictures in questions and answers: uploaded with the form, checked by their content, kept as clean copies served
from here, and described to other servers as Mastodon reads attachments."""

import io
import os
import re
from pathlib import Path

import pytest
from aiohttp import FormData
from PIL import Image
from sqlalchemy import func, select

from node.models import MediaFile, PostImage, Question

from .support import csrf_token, log_in, make_config, make_member

AS2 = "application/activity+json"
IMG = re.compile(r'<img src="([^"]+)" alt="([^"]*)">')


@pytest.fixture
def config(tmp_path, database):
    return make_config(
        tmp_path, database.url, image_max_bytes=400_000, image_max_pixels=5_000_000, image_uploads_per_day=3
    )


def photo(size=(2400, 1800)) -> bytes:
    """A JPEG straight from a camera: large, and its EXIF says which camera and where."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def png(size=(40, 30), noise=False) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, "teal")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def ask_with(client, files: list[tuple[str, bytes, str]], title="How do I read this wiring diagram?"):
    form = FormData()
    form.add_field("csrf_token", await csrf_token(client, "/questions/new"))
    form.add_field("title", title)
    form.add_field("body", "The diagram is below; which wire is the neutral?")
    form.add_field("tags", "electricity")
    for name, data, content_type in files:
        form.add_field("images", data, filename=name, content_type=content_type)
    return await client.post("/questions", data=form, allow_redirects=False)


async def stored(database, config) -> tuple[int, list[str]]:
    async with database.read() as session:
        rows = await session.scalar(select(func.count()).select_from(MediaFile))
    folder = Path(config.media_dir) / "images"
    return rows, sorted(p.name for p in folder.glob("*")) if folder.exists() else []


async def test_a_photo_attached_to_a_question_is_shown_from_here_resized_and_without_its_metadata(
    client, database, config
):
    await make_member(database, "alice")
    await log_in(client, "alice")
    response = await ask_with(client, [("wiring-diagram.jpg", photo(), "image/jpeg")])
    assert response.status == 303, await response.text()
    page = await (await client.get(response.headers["Location"])).text()
    [(src, alt)] = IMG.findall(page)
    assert src.startswith(f"{config.base_url}/media/images/") and src.endswith(".jpg") and alt == "wiring diagram"

    served = await client.get(src.removeprefix(config.base_url))
    assert served.status == 200 and served.content_type == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    with Image.open(io.BytesIO(await served.read())) as image:
        assert image.size == (1600, 1200)  # the longest side shrunk to 1600 px
        assert not image.getexif() and "exif" not in image.info  # no camera, no position
    assert await stored(database, config) == (1, [src.rsplit("/", 1)[1]])
    async with database.read() as session:
        question = await session.scalar(select(Question))
        attached = await session.scalar(select(PostImage).where(PostImage.question_id == question.id))
    assert attached.alt == "wiring diagram"
    assert (await client.get("/media/images/..%2Fskiller.db")).status == 404
    assert (await client.get("/media/images/" + "0" * 64 + ".png")).status == 404


@pytest.mark.parametrize(
    "name, data, content_type, status, message",
    [
        ("diagram.png", b"<?php system($_GET['c']); ?>", "image/png", 400, "not an image we can read"),
        ("diagram.bmp", None, "image/png", 400, "Use a PNG, JPEG, GIF or WebP image."),
        ("huge.png", png((3000, 2000)), "image/png", 400, "too many pixels: 5 million at most"),
        ("heavy.png", png((600, 600), noise=True), "image/png", 413, "too large: 0.4 MB at most"),
    ],
)
async def test_a_refused_picture_is_said_on_the_form_and_nothing_is_stored(
    client, database, config, name, data, content_type, status, message
):
    if data is None:  # a bitmap: a real picture, of a format not accepted, sent as if it were a PNG
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "BMP")
        data = out.getvalue()
    await make_member(database, "alice")
    await log_in(client, "alice")
    good = ("fine.png", png(), "image/png")
    response = await ask_with(client, [good, (name, data, content_type)])
    page = await response.text()
    assert response.status == status and message in page
    assert 'name="images"' in page and "How do I read this wiring diagram?" in page  # the form, filled in again
    assert await stored(database, config) == (0, [])  # not even the good picture sent with it
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


async def test_uploads_beyond_the_daily_quota_are_refused(client, database, config):
    await make_member(database, "alice")
    await log_in(client, "alice")
    pictures = [(f"p{n}.png", png((20 + n, 20)), "image/png") for n in range(4)]
    assert (await ask_with(client, pictures[:3])).status == 303
    refused = await ask_with(client, pictures[3:], title="Another diagram to read, please")
    assert refused.status == 429 and "the most a day" in await refused.text()
    assert (await stored(database, config))[0] == 3
    # The same picture again is not a new one: it does not count.
    assert (await ask_with(client, pictures[:1], title="The first diagram once more")).status == 303


async def test_a_question_and_an_answer_with_pictures_carry_them_as_image_attachments(client, database, config):
    await make_member(database, "alice")
    await log_in(client, "alice")
    response = await ask_with(client, [("front-panel.png", png((300, 200)), "image/png")])
    question_path = response.headers["Location"]
    document = await (await client.get(question_path, headers={"Accept": AS2})).json()
    [attachment] = document["attachment"]
    assert attachment == {
        "type": "Image",
        "mediaType": "image/png",
        "url": attachment["url"],
        "name": "front panel",
        "width": 300,
        "height": 200,
    }
    assert attachment["url"].startswith(f"{config.base_url}/media/images/")
    assert f'<img src="{attachment["url"]}" alt="front panel">' in document["content"]

    form = FormData()
    form.add_field("csrf_token", await csrf_token(client, question_path))
    form.add_field("body", "The blue one is the neutral, here it is circled:")
    form.add_field("images", png((120, 90)), filename="circled.png", content_type="image/png")
    answered = await client.post(f"{question_path}/answers", data=form, allow_redirects=False)
    assert answered.status == 303
    answer_id = answered.headers["Location"].rsplit("-", 1)[1]
    note = await (await client.get(f"/answers/{answer_id}", headers={"Accept": AS2})).json()
    assert [(a["type"], a["name"], a["width"], a["height"]) for a in note["attachment"]] == [
        ("Image", "circled", 120, 90)
    ]


async def test_a_pasted_picture_never_used_in_a_post_is_removed_after_a_week(client, database, config):
    from datetime import timedelta

    from sqlalchemy import update

    from node.models import utcnow
    from node.services import images

    await make_member(database, "alice")
    await log_in(client, "alice")
    token = await csrf_token(client, "/questions/new")
    answers = []
    for colour in ("red", "blue"):  # what the writing form's script sends for a pasted picture
        form = FormData()
        form.add_field("images", png_of(colour), filename="image.png", content_type="image/png")
        response = await client.post("/media/images", data=form, headers={"X-CSRF-Token": token})
        assert response.status == 200
        answers.append((await response.json())["images"][0])
    used, unused = answers
    assert used["markdown"] == f"![image]({used['url']})" and (used["width"], used["height"]) == (40, 30)
    form = FormData()
    form.add_field("images", b"GIF89a nonsense", filename="image.gif", content_type="image/gif")
    refused = await client.post("/media/images", data=form, headers={"X-CSRF-Token": token})
    assert refused.status == 400 and "not an image we can read" in (await refused.json())["error"]
    no_token = await client.post("/media/images", data={"images": "x"})
    assert no_token.status == 403

    form = FormData()
    for name, value in (("csrf_token", token), ("title", "Which of these two colours?"), ("tags", "design")):
        form.add_field(name, value)
    form.add_field("body", f"This one:\n\n{used['markdown']}")
    assert (await client.post("/questions", data=form, allow_redirects=False)).status == 303
    async with database.write() as session:
        await session.execute(update(MediaFile).values(created_at=utcnow() - timedelta(days=8)))
    assert await images.remove_unused(database, config.media_dir) == 1
    assert await stored(database, config) == (1, [used["url"].rsplit("/", 1)[1]])


def png_of(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


async def test_a_picture_sent_with_a_form_refused_for_another_reason_is_kept_in_the_text_shown_again(
    client, database, config
):
    await make_member(database, "alice")
    await log_in(client, "alice")
    refused = await ask_with(client, [("meter.png", png_of("green"), "image/png")], title="Short")
    page = await refused.text()
    assert refused.status == 400 and "A title has 8 to 200 characters." in page
    [url] = re.findall(r"!\[meter\]\(([^)]+)\)", page)  # in the text area, for the next try
    assert (await client.get(url.removeprefix(config.base_url))).status == 200


async def test_an_edited_answer_can_take_a_picture(client, database, config):
    from node.services import answers, questions

    alice = await make_member(database, "alice")
    question = await questions.ask(
        database, alice, title="Which breaker trips?", body="The kitchen one, twice a day.", tags="electricity",
        base_url=config.base_url,
    )  # fmt: skip
    answer = await answers.post_answer(database, alice, question.id, "Probably the oven's element.", config.base_url)
    await log_in(client, "alice")
    form = FormData()
    form.add_field("csrf_token", await csrf_token(client, f"/answers/{answer.id}/edit"))
    form.add_field("body", "Probably the oven's element; its label:")
    form.add_field("images", png_of("gray"), filename="label.png", content_type="image/png")
    assert (await client.post(f"/answers/{answer.id}/edit", data=form, allow_redirects=False)).status == 303
    page = await (await client.get(f"/questions/{question.id}")).text()
    assert [alt for _, alt in IMG.findall(page)] == ["label"]
