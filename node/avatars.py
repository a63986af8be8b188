"""Avatar images: check what was uploaded really is a picture, then store a square 256 px copy."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .services.errors import N_, InvalidInput

ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
SIZE = 256
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs early
MAX_PIXELS = 16_000_000  # 4000 × 4000 is plenty for a 256 px avatar


def process_avatar(data: bytes, max_bytes: int) -> bytes:
    """Return a 256×256 WebP of the upload, or raise InvalidInput saying what is wrong."""
    if not data:
        raise InvalidInput(N_("Choose an image file."), field="avatar")
    if len(data) > max_bytes:
        raise InvalidInput(N_("The image is too large ({n} KB at most)."), field="avatar", n=max_bytes // 1000)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise InvalidInput(N_("Use a PNG, JPEG, GIF or WebP image."), field="avatar")
            if probe.width * probe.height > MAX_PIXELS:  # read from the header, before decoding anything
                raise InvalidInput(N_("The image is too large ({n} KB at most)."), field="avatar", n=max_bytes // 1000)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            upright = ImageOps.exif_transpose(image).convert("RGBA")
            square = ImageOps.fit(upright, (SIZE, SIZE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(N_("This file is not an image we can read."), field="avatar") from None
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85)
    return out.getvalue()


def store_avatar(media_dir: str, member_id: int, image: bytes) -> str:
    """Write the processed image under media/avatars; the random part keeps old URLs from being cached."""
    folder = Path(media_dir) / "avatars"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{member_id}-{secrets.token_hex(6)}.webp"
    (folder / name).write_bytes(image)
    return f"avatars/{name}"


AVATAR_FILE = re.compile(r"[0-9]+-[0-9a-f]{12}\.webp")  # the names store_avatar gives


def avatar_path(media_dir: str, name: str) -> Path | None:
    """The stored avatar called `name`, or None (no such file, or not a name store_avatar gives)."""
    path = Path(media_dir) / "avatars" / name
    return path if AVATAR_FILE.fullmatch(name) and path.is_file() else None


def delete_avatar(media_dir: str, relative: str) -> None:
    if relative:
        (Path(media_dir) / relative).unlink(missing_ok=True)
