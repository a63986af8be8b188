"""Key pairs: one per local member (made with the account), one per skill's Group actor (made when first
needed) and one for the instance actor."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from activitypub.client import Signer
from activitypub.integrity import generate_ed25519_key, multikey_of
from activitypub.keys import generate_key_pair, load_private_key

from .. import uris
from ..db import insert_ignoring_duplicates
from ..models import GroupKey, Member, Setting, utcnow
from .context import Federation


async def ensure_member_keys(session, member: Member) -> Member:
    """Give a local member created before federation existed a key pair."""
    if member.local and not member.private_key_pem:
        pair = generate_key_pair()
        member.private_key_pem, member.public_key_pem = pair.private_pem, pair.public_pem
        session.add(member)
        await session.flush()
    return member


async def ensure_member_multikey(session, member: Member, base_url: str) -> Member:
    """Give a local member its Ed25519 key (published as a Multikey, signs object proofs) when first needed."""
    if member.local and not member.ed25519_private_pem:
        member.ed25519_private_pem = generate_ed25519_key()
        member.multikey_id = uris.multikey_id(base_url, member.username)
        member.multikey = multikey_of(proof_key(member).public_key())
        session.add(member)
        await session.flush()
    return member


def proof_key(member: Member) -> ed25519.Ed25519PrivateKey:
    """A local member's Ed25519 private key (loaded once per process, like the RSA keys)."""
    key = load_private_key(member.ed25519_private_pem, trusted=True)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError("the member's proof key is not Ed25519")
    return key


async def instance_keys(fed: Federation) -> tuple[str, str]:
    """The instance actor's key pair, made by whichever process needs it first."""
    if fed.instance_keys is None:
        async with fed.keys_lock:  # concurrent first fetches in this process wait for one key
            if fed.instance_keys is None:
                fed.instance_keys = await _load_or_create_instance_keys(fed)
    return fed.instance_keys


async def _load_or_create_instance_keys(fed: Federation) -> tuple[str, str]:
    names = ("instance_private_key", "instance_public_key")
    query = select(Setting.key, Setting.value).where(Setting.key.in_(names))
    async with fed.db.read() as session:
        rows = dict((await session.execute(query)).all())
    if len(rows) < 2:
        pair = generate_key_pair()
        try:
            async with fed.db.write() as session:
                session.add_all(
                    [Setting(key=names[0], value=pair.private_pem), Setting(key=names[1], value=pair.public_pem)]
                )
        except IntegrityError:
            pass  # another process made them first: use theirs
        async with fed.db.read() as session:
            rows = dict((await session.execute(query)).all())
    return rows[names[0]], rows[names[1]]


async def instance_signer(fed: Federation) -> Signer:
    """Signs outgoing GETs (servers in authorized-fetch mode refuse unsigned ones)."""
    private_pem, _ = await instance_keys(fed)
    # Keys this instance generated itself: their consistency was never in doubt (see load_private_key).
    return Signer(uris.instance_actor_id(fed.base_url) + "#main-key", load_private_key(private_pem, trusted=True))


def member_signer(fed: Federation, member) -> Signer:
    """The signer of a local member (a Member, or a row with its username and private_key_pem)."""
    return Signer(uris.key_id(fed.base_url, member.username), load_private_key(member.private_key_pem, trusted=True))


async def ensure_group_key(session, skill_id: int) -> GroupKey:
    """A skill's Group key pair, made by whichever transaction needs it first (a second one keeps the first's)."""
    key = await session.get(GroupKey, skill_id)
    if key is None:
        pair = generate_key_pair()
        row = {"skill_id": skill_id, "private_key_pem": pair.private_pem, "public_key_pem": pair.public_pem}
        await insert_ignoring_duplicates(session, GroupKey, [{**row, "created_at": utcnow()}])
        key = await session.get(GroupKey, skill_id)
    return key


def group_signer(fed: Federation, name: str, private_key_pem: str) -> Signer:
    """The signer of a skill's Group actor: what it sends is signed by its own key, as its actor."""
    return Signer(uris.group_key_id(fed.base_url, name), load_private_key(private_key_pem, trusted=True))
