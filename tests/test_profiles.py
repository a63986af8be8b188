"""Profiles, avatars, skills and endorsements as members see them."""

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from node.models import Endorsement, Member, MemberSkill

from .support import log_in, make_member, post_form


def html_elements(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element a browser would build from `html`, with its attributes."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [(k, v or "") for k, v in attrs]))

    Collector().feed(html)
    return found


async def test_bio_is_rendered_from_markdown_without_scripts_styles_or_javascript_links(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    bio = (
        "**Carpenter** for 20 years <script>alert('x')</script> <style>body{display:none}</style>\n\n"
        '[click](javascript:alert(1)) <a href="javascript:alert(2)" onclick="steal()">x</a> '
        "<img src=x onerror=alert(3)> [site](https://example.org)"
    )
    response = await post_form(
        client,
        "/settings/profile",
        {
            "display_name": "Alice Martin",
            "headline": "Menuisière",
            "organization": "Atelier Bois",
            "location": "Lyon",
            "bio": bio,
            "links": "https://alice.example.org",
        },
    )
    assert response.status == 303
    page = await (await client.get("/users/alice")).text()
    bio_html = page.split('<section class="bio">')[1].split("</section>")[0]
    assert "<strong>Carpenter</strong>" in bio_html
    elements = html_elements(bio_html)
    assert not [tag for tag, _ in elements if tag in ("script", "style", "img")]
    assert not [name for _, attrs in elements for name, _ in attrs if name.startswith("on")]
    assert not [
        value
        for _, attrs in elements
        for name, value in attrs
        if name in ("href", "src") and not value.startswith("https://")
    ]
    assert '<a href="https://example.org" rel="nofollow noopener ugc">site</a>' in bio_html
    assert "Menuisière" in page and "Atelier Bois" in page and "https://alice.example.org" in page


async def test_profile_form_errors_are_clear_and_store_nothing(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    response = await post_form(
        client,
        "/settings/profile",
        {"display_name": "Alice", "headline": "x" * 121, "organization": "", "location": "", "bio": "", "links": ""},
    )
    assert response.status == 400 and "at most 120 characters" in await response.text()
    response = await post_form(
        client,
        "/settings/profile",
        {
            "display_name": "Alice",
            "headline": "",
            "organization": "",
            "location": "",
            "bio": "",
            "links": "javascript:alert(1)",
        },
    )
    assert response.status == 400 and "Links start with https://" in await response.text()
    async with database.read() as session:
        alice = await session.scalar(select(Member).where(Member.username == "alice"))
    assert alice.display_name == "alice" and alice.links == []


def png(width=600, height=300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


async def upload(client, filename: str, data: bytes, content_type: str):
    from aiohttp import FormData

    from .support import csrf_token

    form = FormData()
    form.add_field("csrf_token", await csrf_token(client, "/settings/profile"))
    form.add_field("avatar", data, filename=filename, content_type=content_type)
    return await client.post("/settings/avatar", data=form, allow_redirects=False)


async def test_avatar_is_resized_to_a_square(client, database, config):
    await make_member(database, "alice")
    await log_in(client, "alice")
    response = await upload(client, "me.png", png(), "image/png")
    assert response.status == 303
    async with database.read() as session:
        alice = await session.scalar(select(Member).where(Member.username == "alice"))
    stored = Path(config.media_dir) / alice.avatar
    with Image.open(stored) as image:
        assert image.size == (256, 256)
    served = await client.get(f"/media/{alice.avatar}")
    assert served.status == 200 and served.content_type == "image/webp"  # other servers check the type
    assert (await client.get("/media/avatars/..%2Fskiller.db")).status == 404
    assert (await client.get("/media/avatars/1-000000000000.webp")).status == 404
    assert f'src="/media/{alice.avatar}"' in await (await client.get("/users/alice")).text()


async def test_avatar_that_is_not_an_image_is_refused(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    response = await upload(client, "evil.png", b"<?php system($_GET['c']); ?>", "image/png")
    assert response.status == 400
    assert "not an image we can read" in await response.text()
    svg = await upload(
        client, "x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"
    )
    assert svg.status == 400
    async with database.read() as session:
        assert (await session.scalar(select(Member).where(Member.username == "alice"))).avatar == ""


async def add_skill(client, label, level="3", years="5"):
    return await post_form(client, "/settings/skills", {"skill": label, "level": level, "years": years})


async def test_skills_are_added_normalized_and_removed(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    assert (await add_skill(client, "Gestion de Projet")).status == 303
    assert (await add_skill(client, "gestion de projet", level="4", years="8")).status == 303  # an update
    page = await (await client.get("/users/alice")).text()
    assert 'href="/tags/gestion-de-projet"' in page and "expert" in page and "8 years" in page
    bad = await add_skill(client, "<script>")
    assert bad.status == 400 and "A skill or tag has" in await bad.text()
    bad_level = await add_skill(client, "python", level="9")
    assert bad_level.status == 400 and "Choose a level" in await bad_level.text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(MemberSkill)) == 1
    assert (await post_form(client, "/settings/skills/gestion-de-projet/remove")).status == 303
    assert "No skills listed yet" in await (await client.get("/users/alice")).text()


async def test_endorsements_once_per_member_never_self_and_withdrawable(client, database, aiohttp_client):
    await make_member(database, "alice")
    await make_member(database, "bob", display_name="Bob Durand")
    await log_in(client, "alice")
    await add_skill(client, "python")
    own = await post_form(client, "/users/alice/skills/python/endorse")
    assert own.status == 403 and "cannot endorse your own skills" in await own.text()

    bob = await aiohttp_client(client.server.app)
    await log_in(bob, "bob")
    assert (await post_form(bob, "/users/alice/skills/python/endorse")).status == 303
    again = await post_form(bob, "/users/alice/skills/python/endorse")
    assert again.status == 409 and "already endorsed" in await again.text()
    page = await (await bob.get("/users/alice")).text()
    assert "1 endorsement" in page and "Bob Durand" in page and "Withdraw my endorsement" in page
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Endorsement)) == 1

    assert (await post_form(bob, "/users/alice/skills/python/unendorse")).status == 303
    assert "0 endorsements" in await (await bob.get("/users/alice")).text()
    missing = await post_form(bob, "/users/alice/skills/rust/endorse")
    assert missing.status == 404


async def test_directory_filters_by_skill_and_skill_page_ranks_by_endorsements(client, database, aiohttp_client):
    from node.services import skills

    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    carol = await make_member(database, "carol")
    for member in (alice, bob):
        await skills.add_skill(database, member.id, "Python", 3, 4)
    await skills.add_skill(database, carol.id, "Menuiserie", 4, 20)
    await skills.endorse(database, carol, bob.id, "python")
    await skills.endorse(database, alice, bob.id, "python")

    page = await (await client.get("/members?skill=python")).text()
    assert "/users/alice" in page and "/users/bob" in page and "/users/carol" not in page
    assert "2 members" in page
    tag = await (await client.get("/tags/python")).text()
    assert tag.index("/users/bob") < tag.index("/users/alice")
    assert "2 endorsements" in tag
    assert (await client.get("/tags/unknown-skill")).status == 404
    skills_page = await (await client.get("/tags")).text()
    assert "Menuiserie" in skills_page and "Python" in skills_page


async def test_unknown_profile_is_a_404(client):
    response = await client.get("/users/nobody")
    assert response.status == 404 and "No member is called nobody." in await response.text()
