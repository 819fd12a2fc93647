"""An iTwin's image: its body, the atomic swap that stores it, and GET/DELETE.

The two blobs of an upload are named by one image id and swapped in together in one
synchronous step on the event loop, so no reader can pair the small image of one upload
with the large image of another. The blobs of a replaced or deleted image are dropped:
their links answer 404 from then on.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import choices
from .access import caller, itwin_for, state_of
from .blobs import LARGE, SMALL, Blob
from .errors import documented, mock_error
from .imaging import TYPE_OF_FORMAT
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


def store_image(state: MockState, itwin: ITwin, user: User, fmt: str, large: bytes,
                small: bytes) -> StoredImage:
    """Swap in a new image for `itwin` (which must still be in the world) atomically."""
    if state.world.itwin(itwin.id) is not itwin:  # deleted or reset while decoding
        raise documented("iTwinNotFound")
    if not state.blobs.fits(len(large) + len(small), _stored_size(state, itwin.image)):
        raise mock_error(choices.CAPACITY_EXCEEDED,
                         what=f"at most {state.blobs.max_bytes} bytes of images")
    image = StoredImage(new_id(), fmt)
    content_type = TYPE_OF_FORMAT[fmt]
    state.blobs.put(SMALL, image.small_name, Blob(small, content_type))
    state.blobs.put(LARGE, image.large_name, Blob(large, content_type))
    previous, itwin.image = itwin.image, image
    itwin.touch(user)
    drop_image(state, previous)
    return image


async def get_image(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, READ)
    if itwin.image is None:
        raise documented("ImageNotFound")
    state = state_of(request)
    return JSONResponse(image_body(state, state.origin(request), itwin.image))


async def delete_image(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, MODIFY)
    if itwin.image is None:
        raise documented("ImageNotFound")
    previous, itwin.image = itwin.image, None
    itwin.touch(user)
    drop_image(state_of(request), previous)
    return Response(status_code=204)
