"""Pictures in posts: check that what arrived really is a picture we accept, then keep a clean copy of it.

A picture is judged by its content, never by its name or declared type: Pillow reads its header (PNG, JPEG, GIF or
WebP only), its size in pixels is checked before anything is decoded (decompression bombs), then it is decoded
once, turned upright, shrunk to MAX_SIDE and written anew. The new file carries no metadata (EXIF with its GPS
position, comments, colour profiles) and only the first frame of an animation. Files are named by the SHA-256 of
what is written: unguessable, and the same picture is kept once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from . import uris
from .services.errors import N_, InvalidInput, TooLarge

# Format read → (format written, its media type, file extension). A GIF becomes a PNG: its first frame, losslessly.
OUTPUT = {
    "PNG": ("PNG", "image/png", "png"),
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "GIF": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}
SAVE_OPTIONS: dict[str, dict[str, int | bool]] = {
    "JPEG": {"quality": 85, "optimize": True},
    "WEBP": {"quality": 85},
    "PNG": {"optimize": True},
}
MEDIA_TYPES = {ext: media_type for _, media_type, ext in OUTPUT.values()}
ACCEPTED_MEDIA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
FOLDER = "images"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int
    max_side: int


def limits_of(config) -> Limits:
    """The configured limits (image_max_bytes, image_max_pixels, image_max_side)."""
    return Limits(config.image_max_bytes, config.image_max_pixels, config.image_max_side)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return sha256(self.data).hexdigest()

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def file_name(self) -> str:
        return f"{self.sha256}.{file_extension(self.media_type)}"


def file_extension(media_type: str) -> str:
    return next(ext for ext, kind in MEDIA_TYPES.items() if kind == media_type)


def process_image(data: bytes, limits: Limits) -> ProcessedImage:
    """The clean copy of an uploaded or fetched picture, or InvalidInput (not a picture we accept, too many pixels)
    or TooLarge (too many bytes) saying what is wrong. CPU-bound: call it off the event loop."""
    if not data:
        raise InvalidInput(N_("This file is empty."), field="images")
    if len(data) > limits.max_bytes:
        raise TooLarge(N_("This image is too large: {n} MB at most."), field="images", n=_megabytes(limits.max_bytes))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in OUTPUT:
                raise InvalidInput(N_("Use a PNG, JPEG, GIF or WebP image."), field="images")
            if probe.width * probe.height > limits.max_pixels:  # from the header, before decoding anything
                raise _too_many_pixels(limits)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            written_as, media_type, _ = OUTPUT[image.format or ""]
            image.seek(0)
            upright = ImageOps.exif_transpose(image)
            upright = upright.convert(_mode(upright, written_as))
            upright.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
            # A new image of the pixels alone: nothing of the original's metadata (info, EXIF, ICC) can follow.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except Image.DecompressionBombError:  # Pillow's own guard (MAX_IMAGE_PIXELS), raised when the header is read
        raise _too_many_pixels(limits) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput(N_("This file is not an image we can read."), field="images") from None
    out = io.BytesIO()
    clean.save(out, written_as, **SAVE_OPTIONS[written_as])
    return ProcessedImage(out.getvalue(), media_type, clean.width, clean.height)


def _too_many_pixels(limits: Limits) -> InvalidInput:
    n = limits.max_pixels // 1_000_000
    return InvalidInput(N_("This image has too many pixels: {n} million at most."), field="images", n=n)


def _mode(image: Image.Image, written_as: str) -> str:
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if written_as == "JPEG":
        return "L" if image.mode == "L" else "RGB"
    return "RGBA" if transparent else ("L" if image.mode == "L" else "RGB")


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:g}"


def store_image(media_dir: str, image: ProcessedImage) -> bool:
    """Write the picture under media/images unless it is there already; True when this call wrote it."""
    folder = Path(media_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / image.file_name
    if path.exists():
        return False
    partial = path.with_suffix(".part")
    partial.write_bytes(image.data)
    partial.replace(path)  # whole or absent: a reader never gets half a picture
    return True


def image_path(media_dir: str, name: str) -> tuple[Path, str] | None:
    """The stored picture called `name` and its media type, or None (no such file, or not a name we give)."""
    path = Path(media_dir) / FOLDER / name
    if uris.IMAGE_PATH.fullmatch(uris.image(name)) is None or not path.is_file():
        return None
    return path, MEDIA_TYPES[path.suffix[1:]]


def delete_image(media_dir: str, file_name: str) -> None:
    (Path(media_dir) / FOLDER / file_name).unlink(missing_ok=True)
