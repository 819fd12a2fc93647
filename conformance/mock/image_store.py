"""An iTwin's stored image: the atomic swap that stores an upload, dropping an image, and
the body that describes one.

The two blobs of an upload are named by one image id and swapped in together in one
synchronous step on the event loop, so no reader can pair the small image of one upload
with the large image of another. The blobs of a replaced or deleted image are dropped:
their links answer 404 from then on.
"""

from __future__ import annotations

from typing import Any

from . import choices
from .blobs import LARGE, SMALL, Blob
from .errors import documented, mock_error
from .image_headers import TYPE_OF_FORMAT, sniff
from .state import MockState
from .thumbnails import Thumbnail, reencoded
from .world import ITwin, StoredImage, User, new_id


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
