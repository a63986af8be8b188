"""Pictures in questions and answers: members' uploads (checked, quota per day), pictures received with posts, and
which post shows which picture (read from the post's sanitized HTML when it is written or received)."""

from __future__ import annotations

import asyncio
import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from sqlalchemy import delete, exists, func, select

from .. import uris
from ..config import Config
from ..db import Database
from ..images import ProcessedImage, delete_image, file_extension, limits_of, process_image, store_image
from ..models import Answer, MediaFile, Member, PostImage, Question, utcnow
from .errors import N_, InvalidInput, TooManyRequests

MAX_FILES_PER_FORM = 4
ALT_MAX = 1000
# A picture no post shows (uploaded for a post never sent, or edited out of one) is removed after this long: time
# enough to finish a draft.
UNUSED_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class Upload:
    file_name: str  # as the member's computer named it: the picture's first text alternative
    data: bytes


@dataclass(frozen=True)
class StoredImage:
    url: str
    alt: str
    width: int
    height: int

    @property
    def markdown(self) -> str:
        alt = re.sub(r"[\[\]\\\n]", " ", self.alt).strip()
        return f"![{alt}]({self.url})"


@dataclass(frozen=True)
class Attachment:
    """A picture as a post shows it (and as other servers are told of it)."""

    url: str
    media_type: str
    width: int
    height: int
    alt: str


def default_alt(file_name: str) -> str:
    """A text alternative to start from: the file's name without its extension, words apart."""
    stem = PurePath(file_name.replace("\\", "/")).stem
    return " ".join(stem.replace("_", " ").replace("-", " ").split())[:200]


async def upload(db: Database, config: Config, member: Member, uploads: Sequence[Upload]) -> list[StoredImage]:
    """Check every upload, then keep them all (or none: one refused picture stores nothing), counted against the
    member's daily quota. Raises InvalidInput, TooLarge or TooManyRequests saying what is wrong."""
    if not uploads:
        return []
    if len(uploads) > MAX_FILES_PER_FORM:
        raise InvalidInput(N_("Attach at most {n} images at a time."), field="images", n=MAX_FILES_PER_FORM)
    limits = limits_of(config)
    processed = [await asyncio.to_thread(process_image, u.data, limits) for u in uploads]
    async with db.write() as session:
        known = set(
            await session.scalars(select(MediaFile.sha256).where(MediaFile.sha256.in_([p.sha256 for p in processed])))
        )
        new = {p.sha256: p for p in processed if p.sha256 not in known}
        if new:
            today = await session.scalar(
                select(func.count())
                .select_from(MediaFile)
                .where(MediaFile.uploader_id == member.id, MediaFile.created_at >= utcnow() - timedelta(days=1))
            )
            if (today or 0) + len(new) > config.image_uploads_per_day:
                raise TooManyRequests(
                    N_("You have uploaded {n} images today, the most a day: try again tomorrow."),
                    field="images",
                    n=config.image_uploads_per_day,
                )
        for image in new.values():
            session.add(_file_row(image, uploader_id=member.id))
            await asyncio.to_thread(store_image, config.media_dir, image)
    return [
        StoredImage(
            uris.absolute(config.base_url, uris.image(p.file_name)), default_alt(u.file_name), p.width, p.height
        )
        for u, p in zip(uploads, processed, strict=True)
    ]


def _file_row(image: ProcessedImage, uploader_id: int | None = None, remote_url: str | None = None) -> MediaFile:
    return MediaFile(
        sha256=image.sha256,
        media_type=image.media_type,
        width=image.width,
        height=image.height,
        size=len(image.data),
        uploader_id=uploader_id,
        remote_url=remote_url,
    )


async def fetched_before(db: Database, remote_url: str) -> str | None:
    """The file name of the picture already fetched from `remote_url`, if any: it is not fetched again."""
    async with db.read() as session:
        row = (
            await session.execute(
                select(MediaFile.sha256, MediaFile.media_type).where(MediaFile.remote_url == remote_url)
            )
        ).first()
    return None if row is None else f"{row.sha256}.{file_extension(row.media_type)}"


async def keep_fetched(db: Database, media_dir: str, image: ProcessedImage, remote_url: str) -> str:
    """Keep a picture received with a post (already checked and re-encoded); returns its file name. The file's first
    address is the one remembered: the same picture offered at a second address is fetched again when seen again."""
    await asyncio.to_thread(store_image, media_dir, image)
    async with db.write() as session:
        if await session.get(MediaFile, image.sha256) is None:
            session.add(_file_row(image, remote_url=remote_url[:1000]))
    return image.file_name


# Pictures in sanitized HTML, as the sanitizer writes them (sanitize._OwnImages): src first, then alt.
_IMG = re.compile(r'<img src="([^"]*)" alt="([^"]*)">')


async def attach_from_html(
    session,
    body_html: str,
    base_url: str,
    *,
    question_id: int | None = None,
    answer_id: int | None = None,
    new: bool = False,
) -> None:
    """Make the post's pictures those its sanitized HTML shows (in the caller's transaction): on every write. A
    `new` post has none yet to forget; a post without pictures costs no query then."""
    prefix = base_url.rstrip("/")
    shown: list[tuple[str, str]] = []
    for src, alt in _IMG.findall(body_html):
        match = uris.IMAGE_PATH.fullmatch(src[len(prefix) :]) if src.startswith(prefix) else None
        if match:
            shown.append((match["sha256"], html_lib.unescape(alt)[:ALT_MAX]))
    if not new:
        owner = PostImage.question_id == question_id if question_id is not None else PostImage.answer_id == answer_id
        await session.execute(delete(PostImage).where(owner))
    if not shown:
        return
    known = set(await session.scalars(select(MediaFile.sha256).where(MediaFile.sha256.in_({s for s, _ in shown}))))
    for position, (sha, alt) in enumerate(s for s in shown if s[0] in known):
        session.add(PostImage(sha256=sha, question_id=question_id, answer_id=answer_id, alt=alt, position=position))


async def attachments(session, post: Question | Answer) -> list[Attachment]:
    """The pictures a question or an answer shows, in order (read in the caller's session). A post whose HTML
    shows none has none (attach_from_html keeps them in step with it): no query then."""
    if "<img " not in (post.body_html or ""):
        return []
    owner = PostImage.question_id == post.id if isinstance(post, Question) else PostImage.answer_id == post.id
    rows = await session.execute(
        select(PostImage.alt, MediaFile)
        .join(MediaFile, MediaFile.sha256 == PostImage.sha256)
        .where(owner)
        .order_by(PostImage.position, PostImage.id)
    )
    return [
        Attachment(uris.image(f"{f.sha256}.{file_extension(f.media_type)}"), f.media_type, f.width, f.height, alt)
        for alt, f in rows.all()
    ]


async def remove_unused(db: Database, media_dir: str, limit: int = 1000) -> int:
    """Remove pictures that no post shows and that are older than UNUSED_KEPT, files and rows; returns how many."""
    async with db.write() as session:
        unused = list(
            (
                await session.execute(
                    select(MediaFile.sha256, MediaFile.media_type)
                    .where(
                        MediaFile.created_at < utcnow() - UNUSED_KEPT,
                        ~exists().where(PostImage.sha256 == MediaFile.sha256),
                    )
                    .limit(limit)
                )
            ).all()
        )
        if unused:
            await session.execute(delete(MediaFile).where(MediaFile.sha256.in_([row.sha256 for row in unused])))
    for row in unused:  # after the commit: a file goes only once nothing can point at it
        delete_image(media_dir, f"{row.sha256}.{file_extension(row.media_type)}")
    return len(unused)
