"""Pictures in posts: served from the media folder, uploaded from a writing form (its file input, or a picture
pasted into the text by static/writing.js)."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...images import image_path
from ...services import images
from ...services.errors import N_, ServiceError
from ..keys import CONFIG, DB, MEMBER
from ..render import translate_error

routes = web.RouteTableDef()
FIELD = "images"


@routes.get("/media/images/{name}")
async def image_file(request: web.Request) -> web.StreamResponse:
    # The type is said from the file's name, which we gave after checking its content; the browser must not guess.
    found = image_path(request.app[CONFIG].media_dir, request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    path, media_type = found
    return web.FileResponse(
        path,
        headers={
            "Content-Type": media_type,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",  # the name is the content's hash
        },
    )


def _uploads(request: web.Request, form) -> list[images.Upload]:
    """The files chosen in the form's picture input (an input left empty sends a part without a file name, which
    is not a file). One byte past the limit is read: enough to say a file is too large."""
    limit = request.app[CONFIG].image_max_bytes + 1
    return [
        images.Upload(f.filename, f.file.read(limit)) for f in form.getall(FIELD, []) if isinstance(f, web.FileField)
    ]


async def with_uploaded_images(request: web.Request, member, form, body: str) -> str:
    """`body` with the Markdown of the pictures attached to the form added at its end (they are kept first, so a
    form shown again for another mistake already holds them). Raises the upload's ServiceError, storing nothing."""
    stored = await images.upload(request.app[DB], request.app[CONFIG], member, _uploads(request, form))
    if not stored:
        return body
    return body.rstrip() + "\n\n" + "\n\n".join(image.markdown for image in stored) + "\n"


@routes.post("/media/images")
async def upload_images(request: web.Request) -> web.Response:
    """A picture pasted or dropped into a writing form: kept, and its Markdown given back for the cursor."""
    member = request.get(MEMBER)
    if member is None:
        return web.json_response({"error": i18n.gettext(N_("Log in to add images."))}, status=401)
    try:
        stored = await images.upload(
            request.app[DB], request.app[CONFIG], member, _uploads(request, await request.post())
        )
    except ServiceError as exc:
        return web.json_response({"error": translate_error(exc)}, status=exc.status)
    return web.json_response(
        {"images": [{"url": s.url, "markdown": s.markdown, "width": s.width, "height": s.height} for s in stored]}
    )
