"""One way to count attempts for logins, second factors and password resets: each limit keeps its own window."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import update

from node.models import LoginFailure, Member, utcnow
from node.services import accounts, password_reset, two_factor
from node.services.errors import InvalidInput, TooManyRequests
from node.services.mail import MailSite

from .support import PASSWORD, make_member


async def test_logins_and_codes_do_not_wipe_the_hour_long_count_of_password_reset_requests(database):
    alice = await make_member(database, "alice", email="alice@example.org")
    async with database.write() as session:
        await session.execute(update(Member).where(Member.id == alice.id).values(totp_secret=pyotp.random_base32()))
    site = MailSite("http://127.0.0.1:8080")
    for _ in range(3):
        await password_reset.request_reset(database, "alice", "10.0.0.1", site)
    async with database.write() as session:  # older than the login window (300 s), within the reset hour
        await session.execute(update(LoginFailure).values(created_at=utcnow() - timedelta(minutes=10)))
    with pytest.raises(InvalidInput):  # a failed login counts (and used to purge every expired-looking row)
        await accounts.authenticate(database, "alice", "wrong", "10.0.0.1", max_attempts=5, window_seconds=300)
    await accounts.authenticate(database, "alice", PASSWORD, "10.0.0.1", max_attempts=5, window_seconds=300)
    with pytest.raises(InvalidInput):  # a wrong second-factor code counts too (it purged every old row)
        await two_factor.verify_login(database, alice.id, "000000", "10.0.0.1", max_attempts=5, window_seconds=300)
    with pytest.raises(TooManyRequests):  # the fourth reset request within the hour is still refused
        await password_reset.request_reset(database, "alice", "10.0.0.1", site)
