"""Who a chat user is, by e-mail: the chat's own API tells the address of the user who typed a command (Slack's
`users.info`, Mattermost's `/api/v4/users/<id>`), so a member whose verified address it is can ask without linking
first. The API is configuration of this instance (a bot token), asked through the guarded client."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from activitypub.client import FetchError, GuardedClient

from ..config import Config
from .chat_commands import ChatUser

log = logging.getLogger("skiller.chat")


def can_look_up(config: Config, provider: str) -> bool:
    if provider == "slack":
        return bool(config.slack_bot_token)
    return bool(config.mattermost_url and config.mattermost_bot_token)


async def chat_email(client: GuardedClient, config: Config, user: ChatUser) -> str:
    """The e-mail address the chat knows for `user` ("" when it is not configured, refuses or says none)."""
    if not can_look_up(config, user.provider):
        return ""
    if user.provider == "slack":
        url = config.slack_api_url.rstrip("/") + "/users.info?" + urlencode({"user": user.user_id})
        token = config.slack_bot_token
    else:
        url = config.mattermost_url.rstrip("/") + "/api/v4/users/" + quote(user.user_id, safe="")
        token = config.mattermost_bot_token
    try:
        found = await client.get_json(url, "application/json", headers={"Authorization": f"Bearer {token}"})
    except FetchError as exc:
        log.warning("%s user %s not looked up: %s", user.provider, user.user_id, exc.message)
        return ""
    if user.provider == "slack":  # {"ok": true, "user": {"profile": {"email": …}}}
        profile = (found.get("user") or {}).get("profile") or {} if found.get("ok") is True else {}
        email = profile.get("email", "") if isinstance(profile, dict) else ""
    else:
        email = found.get("email", "")
    return email.strip() if isinstance(email, str) else ""
