"""PUT /itwins/{id}/image: every check of an upload, cheapest first.

After access: the Content-Type (a header), the declared length, then the body read as a
stream up to the limit, the header checks of `imaging.inspect`, and only then the decode,
on the bounded decode pool.

Memory and fairness: the bodies held while they arrive are bounded in bytes, all uploads
together (`upload_buffer`), and only the checks and the decode wait for one of the
`max_concurrent_uploads` slots (`upload_gate`), once the body is in. So a client that
sends a byte a second holds a few bytes and no slot, and cannot keep others waiting.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.contract import IMAGE_TOO_BIG, DetailSpec

from . import choices
from .access import caller, itwin_for, state_of
from .arrival import deadline_of
from .errors import ApiError, documented
from .images import image_body, store_image
from .imaging import FORMAT_OF_TYPE, ImageRejected, inspect, thumbnail
from .settings import MockSettings
from .streams import BodyTooLarge, read_limited
from .world import MODIFY


def oversize(settings: MockSettings) -> ApiError:
    """413 RequestTooLarge as the real service answered 6 MiB, or the documented 422."""
    if settings.oversize_status == 413:
        return documented("RequestTooLarge")
    return documented("InvalidiTwinsRequest", IMAGE_TOO_BIG)


def rejected(detail: DetailSpec) -> ApiError:
    return documented("InvalidiTwinsRequest", detail)


def declared_format(request: Request) -> str:
    """png or jpeg from the Content-Type (parameters ignored), else a 422."""
    raw = request.headers.get("content-type")
    media = (raw or "").split(";")[0].strip().lower()
    fmt = FORMAT_OF_TYPE.get(media)
    if fmt is None:
        raise rejected(choices.unsupported_type(raw or ""))
    return fmt


async def upload_image(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, MODIFY)
    state = state_of(request)
    settings = state.settings
    fmt = declared_format(request)
    async with state.upload_buffer.get().holding(deadline_of(request)) as take:
        try:
            data = await read_limited(request, settings.max_image_bytes, take)
        except BodyTooLarge:
            raise oversize(settings) from None
        async with state.upload_gate.get():
            try:
                header = inspect(data, fmt, settings)
                small = await state.off_loop(thumbnail, data, header, settings)
            except ImageRejected as exc:
                raise rejected(exc.detail) from None
    image = store_image(state, itwin, user, header.format, data, small)
    return JSONResponse(image_body(state, state.origin(request), image), status_code=201)
