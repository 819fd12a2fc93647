"""An iTwin's image: its body, the atomic swap that stores it, and GET/DELETE.

The two blobs of an upload are named by one image id and swapped in together in one
synchronous step on the event loop, so no reader can pair the small image of one upload
with the large image of another. The blobs of a replaced or deleted image are dropped:
their links answer 404 from then on.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import choices
from .access import caller, itwin_for, normalize_id, state_of
from .blobs import LARGE, SMALL, Blob
from .errors import ApiError, documented, mock_error
from .imaging import TYPE_OF_FORMAT, Thumbnail, sniff
from .state import MockState
from .world import MODIFY, READ, ITwin, StoredImage, User, new_id


def image_body(state: MockState, origin: str, image: StoredImage) -> dict[str, Any]:
    return {"image": {
        "id": image.id,
        "smallImageName": image.small_name,
        "smallImageUrl": state.sas.url(origin, SMALL, image.small_name),
        "largeImageName": image.large_name,
        "largeImageUrl": state.sas.url(origin, LARGE, image.large_name),
    }}


def _stored_size(state: MockState, image: StoredImage | None) -> int:
    if image is None:
        return 0
    return (state.blobs.size(SMALL, image.small_name)
            + state.blobs.size(LARGE, image.large_name))


def drop_image(state: MockState, image: StoredImage | None) -> None:
    if image is not None:
        state.blobs.remove(SMALL, image.small_name)
        state.blobs.remove(LARGE, image.large_name)


def _blob(state: MockState, data: bytes, fmt: str) -> Blob:
    """Served as the image type its bytes are (`fmt` if they do not say), or as Azure's
    default for a blob stored without one."""
    if state.settings.blob_content_type == "image":
        return Blob(data, TYPE_OF_FORMAT[sniff(data) or fmt])
    return Blob(data, state.settings.blob_content_type)


def _same_as_stored(state: MockState, image: StoredImage | None, large: bytes) -> bool:
    blob = state.blobs.get(LARGE, image.large_name) if image else None
    return blob is not None and blob.data == large


def store_image(state: MockState, itwin: ITwin, user: User, fmt: str, large: bytes,
                small: Thumbnail) -> StoredImage:
    """Swap in a new image for `itwin` (which must still be in the world) atomically.

    With `reupload_keeps_names` the same bytes again keep the stored image (a name "will
    only change if the image changes"); by default every upload is a new image.
    """
    if state.world.itwin(itwin.id) is not itwin:  # deleted or reset while decoding
        raise documented("iTwinNotFound")
    previous = itwin.image
    if state.settings.reupload_keeps_names and previous and _same_as_stored(
            state, previous, large):
        return previous
    small = _broken_small(state, previous, small)
    if state.settings.broken("large-reencoded"):
        large = reencoded(large)
    if not state.blobs.fits(len(large) + len(small.data), _stored_size(state, previous)):
        raise mock_error(choices.CAPACITY_EXCEEDED,
                         what=f"at most {state.blobs.max_bytes} bytes of images")
    image = StoredImage(new_id(), fmt, small.format)
    state.blobs.put(SMALL, image.small_name, _blob(state, small.data, small.format))
    state.blobs.put(LARGE, image.large_name, _blob(state, large, fmt))
    itwin.image = image
    itwin.touch(user)
    drop_image(state, previous)
    return image


def _broken_small(state: MockState, previous: StoredImage | None,
                  small: Thumbnail) -> Thumbnail:
    """The "stale-thumbnail" break: a replacement keeps the first upload's thumbnail."""
    blob = state.blobs.get(SMALL, previous.small_name) if previous else None
    if blob is None or not state.settings.broken("stale-thumbnail"):
        return small
    assert previous is not None
    return Thumbnail(blob.data, previous.small_ext or previous.ext)


def overwrite_refused(state: MockState, itwin: ITwin, data: bytes) -> None:
    """The "refusal-overwrites-bytes" break: a refused upload's bytes replace the stored
    large image's, under the same names."""
    image = itwin.image
    if image is not None and state.settings.broken("refusal-overwrites-bytes"):
        stored = state.blobs.get(LARGE, image.large_name)
        if stored is not None:
            state.blobs.put(LARGE, image.large_name, Blob(data, stored.content_type))


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


def reencoded(data: bytes) -> bytes:
    """The same picture encoded again by Pillow (the "large-reencoded" break), with other
    settings than any fixture's, so the bytes surely differ."""
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, image.format or "PNG", quality=70, optimize=True)
        return out.getvalue()
