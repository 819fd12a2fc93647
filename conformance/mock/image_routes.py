"""PUT, GET and DELETE /itwins/{id}/image: the upload path, every check of an upload
cheapest first, and reading and deleting an iTwin's image.

An upload, after the access checks (access.py): the Content-Type (a header), the declared
length, then the body read as a stream up to the limit, the header checks
(`image_headers.inspect`), and only then the decode (`thumbnails.thumbnail`), on the bounded
decode pool; the image is stored by `image_store.store_image`.

Memory and fairness: the bodies held while they arrive are bounded in bytes, all uploads
together (`upload_buffer`), and only the checks and the decode wait for one of the
`max_concurrent_uploads` slots (`upload_gate`), once the body is in. So a client that
sends a byte a second holds a few bytes and no slot, and cannot keep others waiting.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.contract import ERRORS, IMAGE_TOO_BIG, DetailSpec
from conformance.contract.catalogue import same_spacing

from . import choices
from .access import caller, itwin_for, normalize_id
from .arrival import deadline_of
from .errors import ApiError, documented, mock_error
from .image_headers import FORMAT_OF_TYPE, ImageRejected, inspect
from .image_store import drop_image, image_body, overwrite_refused, store_image
from .settings import MockSettings
from .state import MockState, state_of
from .streams import BodyTooLarge, read_limited
from .thumbnails import thumbnail
from .world import MODIFY, READ


def oversize(settings: MockSettings) -> ApiError:
    """413 RequestTooLarge as the real service answered 6 MiB, or the documented 422."""
    if settings.broken("oversize-wrong-code"):
        spec = ERRORS["RequestTooLarge"]
        return ApiError(413, {"error": {"code": choices.WRONG_OVERSIZE_CODE,
                                        "message": spec.message}})
    if settings.oversize_status == 413:
        return documented("RequestTooLarge")
    detail = IMAGE_TOO_BIG
    if settings.single_space_messages:  # the API's own text, where Bentley's page shows two
        detail = replace(detail, message=same_spacing(detail.message))
    return documented("InvalidiTwinsRequest", detail)


def rejected(detail: DetailSpec) -> ApiError:
    return documented("InvalidiTwinsRequest", detail)


def declared_format(request: Request, settings: MockSettings) -> str | None:
    """png or jpeg from the Content-Type (parameters ignored); None where the bytes are to
    decide (no header, with `sniff_ambiguous_types`); else the refusal of a foreign type."""
    raw = request.headers.get("content-type")
    media = (raw or "").split(";")[0].strip().lower()
    fmt = FORMAT_OF_TYPE.get(media)
    if fmt is not None:
        return fmt
    if settings.broken("sniff-content-type") or (raw is None and settings.sniff_ambiguous_types):
        return None
    if settings.broken("foreign-type-401"):
        raise documented("Unauthorized")
    if settings.foreign_type_status == 415:
        raise mock_error(choices.UNSUPPORTED_MEDIA_TYPE, content_type=(raw or "")[:100])
    raise rejected(choices.unsupported_type(raw or ""))


def _empty_body(settings: MockSettings) -> ApiError:
    if settings.broken("empty-body-404"):
        return documented("iTwinNotFound")
    if settings.empty_body_status == 400:
        return mock_error(choices.EMPTY_BODY)
    return rejected(choices.EMPTY_IMAGE)


async def upload_image(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, MODIFY)
    state = state_of(request)
    settings = state.settings
    declared = declared_format(request, settings)
    async with state.upload_buffer.get().holding(deadline_of(request)) as take:
        try:
            data = await read_limited(request, settings.max_image_bytes, take)
        except BodyTooLarge:
            raise oversize(settings) from None
        if not data:
            raise _empty_body(settings)
        async with state.upload_gate.get():
            try:
                header = inspect(data, declared, settings)
                small = await state.off_loop(thumbnail, data, header, settings)
            except ImageRejected as exc:
                overwrite_refused(state, itwin, data)
                raise rejected(exc.detail) from None
    image = store_image(state, itwin, user, header.format, data, small)
    return JSONResponse(image_body(state, state.origin(request), image), status_code=201)


def _image_not_found(state: MockState) -> ApiError:
    if state.settings.broken("wrong-error-code"):
        error = documented("ImageNotFound")
        error.body["error"]["code"] = "ImageMissing"
        return error
    return documented("ImageNotFound")


async def get_image(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, READ)
    state = state_of(request)
    if itwin.image is None:
        raise _image_not_found(state)
    body = image_body(state, state.origin(request), itwin.image)
    if state.settings.broken("get-links-broken"):
        for key in ("smallImageUrl", "largeImageUrl"):
            body["image"][key] = body["image"][key].replace("sig=", "sig=x")
    return JSONResponse(body)


async def delete_image(request: Request) -> Response:
    user = caller(request)
    state = state_of(request)
    try:
        itwin = itwin_for(request, user, MODIFY)
    except ApiError as refusal:
        _delete_anyway(request, state, refusal)
        raise
    if itwin.image is None:
        if state.settings.broken("delete-idempotent"):
            return Response(status_code=204)
        raise _image_not_found(state)
    previous, itwin.image = itwin.image, None
    itwin.touch(user)
    drop_image(state, previous)
    return Response(status_code=204)


def _delete_anyway(request: Request, state: MockState, refusal: ApiError) -> None:
    """The "refused-delete-deletes" break: a 403 that deletes all the same."""
    if refusal.status != 403 or not state.settings.broken("refused-delete-deletes"):
        return
    itwin = state.world.itwin(normalize_id(request.path_params["itwin_id"]) or "")
    if itwin is not None:
        previous, itwin.image = itwin.image, None
        drop_image(state, previous)
