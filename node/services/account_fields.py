"""What an account is made of, checked before anything is stored: usernames, e-mail addresses, passwords."""

from __future__ import annotations

import re

from .errors import N_, InvalidInput
from .passwords import MIN_LENGTH

# Mastodon's shape, so handles work across the fediverse: letters, digits, _ and inner . or -.
USERNAME_RE = re.compile(r"^[a-z0-9_]([a-z0-9_.-]{0,28}[a-z0-9_])?$", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED_USERNAMES = frozenset(
    """
about abuse account accounts actor admin administrator admins answers api apps auth comments contact
feed followers following help home hostmaster inbox info instance invitations invite login logout me
media members moderator moderators mod nodeinfo notifications null outbox postmaster privacy questions
root search security settings signup skiller skills static staff support system tags terms undefined
users webmaster well-known www instance.actor
""".split()
)


def username_key(username: str) -> str:
    return username.strip().lower()


def check_username(username: str, allow_reserved: bool = False) -> str:
    username = username.strip()
    if not username:
        raise InvalidInput(N_("Choose a username."), field="username")
    if not USERNAME_RE.match(username):
        raise InvalidInput(N_("A username has 1 to 30 letters, digits or _ (and . or - inside)."), field="username")
    if not allow_reserved and username_key(username) in RESERVED_USERNAMES:
        raise InvalidInput(N_("The username {username} is reserved."), field="username", username=username)
    return username


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(N_("A password has at least {n} characters."), field="password", n=MIN_LENGTH)
    if len(password) > 1024:
        raise InvalidInput(N_("That password is too long."), field="password")


def check_email(email: str) -> str:
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise InvalidInput(N_("That e-mail address does not look right."), field="email")
    return email
