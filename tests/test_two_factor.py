"""Two-factor authentication: set up with a confirmed TOTP code, asked after the password, every code good once,
recovery codes, throttled guesses, turned off with the password and a code, required for administrators."""

from __future__ import annotations

import asyncio
import re
import time

import pyotp
from sqlalchemy import func, select

from node.models import Member, RecoveryCode, Setting
from node.web.app import create_app

from .support import PASSWORD, log_in, make_config, make_member, one, post_form

SECRET_RE = re.compile(r'class="totp-secret">([A-Z2-7]+)<')
CODE_RE = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


async def away_from_a_step_boundary() -> None:
    """The test uses the codes of the previous, current and next 30-second steps: start early in a step so that
    they stay the same three steps until it ends."""
    into = time.time() % 30
    if into > 12:
        await asyncio.sleep(30 - into + 0.2)


def code_at(secret: str, steps_from_now: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


async def signed_in(client) -> bool:
    response = await client.get("/settings", allow_redirects=False)
    return response.status == 200


async def turn_on(client, database, username: str) -> tuple[str, list[str]]:
    page = await (await client.get("/settings/two-factor")).text()
    secret = SECRET_RE.search(page).group(1)
    assert "otpauth://totp/" in page and 'src="/settings/two-factor/qr.svg"' in page
    qr = await client.get("/settings/two-factor/qr.svg")
    assert qr.status == 200 and qr.content_type == "image/svg+xml" and b"<svg" in await qr.read()

    wrong = await post_form(
        client, "/settings/two-factor/enable", {"code": "000000" if code_at(secret, 0) != "000000" else "111111"}
    )
    assert wrong.status == 400
    assert await one(database, select(Member.totp_secret).where(Member.username == username)) == ""

    done = await post_form(client, "/settings/two-factor/enable", {"code": code_at(secret, -1)})
    assert done.status == 200
    codes = CODE_RE.findall(await done.text())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert await one(database, select(Member.totp_secret).where(Member.username == username)) == secret
    async with database.read() as session:
        stored = list(await session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    return secret, codes


async def password_step(client, username: str):
    await post_form(client, "/logout")
    response = await post_form(client, "/login", {"username": username, "password": PASSWORD, "next": "/settings"})
    assert response.status == 303 and response.headers["Location"] == "/login/two-factor"
    assert not await signed_in(client)
    return response


async def second_step(client, code: str):
    return await post_form(client, "/login/two-factor", {"code": code})


async def test_two_factor_login_from_setup_to_turning_it_off(client, database):
    await away_from_a_step_boundary()
    await make_member(database, "alice")
    await log_in(client, "alice")
    secret, recovery = await turn_on(client, database, "alice")

    await password_step(client, "alice")
    wrong = await second_step(client, "123456" if code_at(secret, 0) != "123456" else "654321")
    assert wrong.status == 400 and "This code is not valid." in await wrong.text()
    assert not await signed_in(client)
    right = await second_step(client, code_at(secret, 0))
    assert right.status == 303 and right.headers["Location"] == "/settings"
    assert await signed_in(client)

    await password_step(client, "alice")  # the same code again, within its window: refused
    assert (await second_step(client, code_at(secret, 0))).status == 400
    assert not await signed_in(client)

    assert (await second_step(client, recovery[3].upper())).status == 303  # a recovery code, once
    assert await signed_in(client)
    await password_step(client, "alice")
    assert (await second_step(client, recovery[3])).status == 400
    assert not await signed_in(client)
    assert (await second_step(client, recovery[4])).status == 303
    page = await (await client.get("/settings/two-factor")).text()
    assert "Unused recovery codes: 8" in page

    no_password = await post_form(
        client, "/settings/two-factor/disable", {"password": "wrong password!", "code": code_at(secret, 1)}
    )
    no_code = await post_form(client, "/settings/two-factor/disable", {"password": PASSWORD, "code": ""})
    assert (no_password.status, no_code.status) == (400, 400)
    assert await one(database, select(Member.totp_secret).where(Member.username == "alice")) == secret
    off = await post_form(client, "/settings/two-factor/disable", {"password": PASSWORD, "code": code_at(secret, 1)})
    assert off.status == 303
    assert await one(database, select(Member.totp_secret).where(Member.username == "alice")) == ""
    assert await one(database, select(func.count()).select_from(RecoveryCode)) == 0

    await post_form(client, "/logout")
    await log_in(client, "alice")  # the password alone again
    assert await signed_in(client)


async def test_wrong_codes_are_throttled_like_passwords(aiohttp_client, tmp_path, database):
    client = await aiohttp_client(create_app(make_config(tmp_path, database.url, login_attempts=3), database))
    await make_member(database, "bob")
    await log_in(client, "bob")
    secret, _codes = await turn_on(client, database, "bob")
    await password_step(client, "bob")
    wrong = "000000" if code_at(secret, 0) != "000000" else "111111"
    statuses = [(await second_step(client, wrong)).status for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert (await second_step(client, code_at(secret, 0))).status == 429  # even the right code, for a while
    assert not await signed_in(client)


async def test_second_step_without_a_password_first_goes_back_to_login(client, database):
    response = await client.get("/login/two-factor", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"
    response = await post_form(client, "/login/two-factor", {"code": "123456"})
    assert response.status == 303 and response.headers["Location"] == "/login"


async def test_administrators_without_two_factor_are_sent_to_its_setup(aiohttp_client, tmp_path, database):
    client = await aiohttp_client(
        create_app(make_config(tmp_path, database.url, require_two_factor_for_admins=True), database)
    )
    await make_member(database, "chief", role="admin")
    response = await post_form(client, "/login", {"username": "chief", "password": PASSWORD})
    assert response.status == 303 and response.headers["Location"] == "/settings/two-factor"
    page = await (await client.get("/settings/two-factor")).text()
    assert "Administrators of this instance must turn on two-factor authentication." in page
    refused = await client.get("/admin/federation", allow_redirects=False)  # the administration waits for it
    assert refused.status == 303 and refused.headers["Location"] == "/settings/two-factor"
    assert (await post_form(client, "/admin/federation/mode", {"mode": "allowlist"})).status == 303
    async with database.read() as session:
        assert await session.scalar(select(Setting.value).where(Setting.key == "federation_mode")) is None
