"""What the target stores for an iTwin, read back as the contract says it can be: the image
(GET image), the iTwin's image fields (GET iTwin) and the bytes behind every link, fetched
without a token.

One `Reader` serves one test: it fetches each link at most once and checks every link it
meets (200 without the bearer token, an hour's life where the link states its expiry, a
sane Content-Type). A process-wide ledger keeps the sha256 of the blobs of each image the
suite has seen, so that "a refused request changed nothing" compares fresh downloads with
what was stored before without fetching the same blob twice in a test. The contract makes
that sound: a name "is unique and will only change if the image changes".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from conformance.client import ApiClient, preparation
from conformance.images import build_bytes, case
from conformance.targets import Profile

from .checks import BASELINE_CASE, assert_error, assert_status, describe, image_of
from .links import assert_blob_type, assert_lives_an_hour
from .thumbnails import Upload, assert_thumbnail

Identity = tuple[str, str, str]  # image id, smallImageName, largeImageName


@dataclass(frozen=True)
class Blobs:
    """The sha256 of the bytes behind the small and the large link."""

    small: str
    large: str


@dataclass(frozen=True)
class Stored:
    """An iTwin's image as last seen: None and None when it has none."""

    identity: Identity | None
    blobs: Blobs | None

    def __str__(self) -> str:
        if self.identity is None:
            return "no image"
        assert self.blobs is not None
        return (f"image {self.identity[0]} ({self.identity[1]} sha256 {self.blobs.small[:12]}, "
                f"{self.identity[2]} sha256 {self.blobs.large[:12]})")


NOTHING = Stored(None, None)
_LEDGER: dict[Identity, Blobs] = {}


def identity(image: dict[str, Any] | None) -> Identity | None:
    """What identifies a stored image (links may be signed anew on every read)."""
    if image is None:
        return None
    return image["id"], image["smallImageName"], image["largeImageName"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remember(stored: Stored) -> None:
    """What the blobs of this image were when last fetched."""
    if stored.identity is not None and stored.blobs is not None:
        _LEDGER[stored.identity] = stored.blobs


class Reader:
    """Reads back what the target stores, as one persona, for one test."""

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        self.client = client
        self.profile = profile
        self._fetched: dict[str, httpx.Response] = {}

    def forget(self) -> None:
        """Fetch every link afresh from now on (after the request under test)."""
        self._fetched.clear()

    def fetch(self, url: str, carrier: httpx.Response, what: str) -> bytes:
        """The bytes behind a link that `carrier` handed out, fetched once per test."""
        if url not in self._fetched:
            assert_lives_an_hour(url, carrier, what)
            response = self.client.download(url)
            assert response.status_code == 200, (
                f"the {what} link, fetched without a token: {describe(response)}")
            assert_blob_type(response, what, self.profile)
            self._fetched[url] = response
        return self._fetched[url].content

    def image(self, itwin_id: str) -> tuple[dict[str, str] | None, httpx.Response]:
        """GET image: the image, or None after 404 ImageNotFound; and the answer."""
        response = self.client.get_image(itwin_id)
        if response.status_code == 404:
            assert_error(response, 404, "ImageNotFound")
            return None, response
        assert_status(response, 200)
        return image_of(response), response

    def fetch_all(self, *links: tuple[str, httpx.Response, str]) -> list[bytes]:
        """The bytes behind several links (url, the answer that gave it, what it is), fetched
        at once, each at most once per test."""
        missing = {url: (url, carrier, what) for url, carrier, what in links
                   if url not in self._fetched}
        self.client.concurrently(*(partial(self.fetch, *link) for link in missing.values()))
        return [self._fetched[url].content for url, _, _ in links]

    def blobs(self, image: dict[str, str], carrier: httpx.Response) -> Blobs:
        """The bytes behind both links of `image`, as their sha256."""
        small, large = self.fetch_all((image["smallImageUrl"], carrier, "small image"),
                                      (image["largeImageUrl"], carrier, "large image"))
        return Blobs(sha256(small), sha256(large))

    def read(self, itwin_id: str, *alongside: Callable[[], object]) -> Stored:
        """Everything the API says is stored, fetched afresh, and consistent: GET image and
        both its links; GET iTwin, whose imageName and image are the small image's (null
        when there is none). `alongside` are sent at the same time as the two reads."""
        (image, answer), itwin_answer, *_ = self.client.concurrently(
            partial(self.image, itwin_id), partial(self.client.get_itwin, itwin_id),
            *alongside)
        assert_status(itwin_answer, 200)
        itwin = itwin_answer.json()["iTwin"]
        if image is None:
            assert (itwin["imageName"], itwin["image"]) == (None, None), (
                f"the iTwin has no image, yet imageName is {itwin['imageName']!r} and image "
                f"{itwin['image']!r} (documented: both null)")
            return NOTHING
        assert itwin["imageName"] == image["smallImageName"], (
            f"the iTwin's imageName is {itwin['imageName']!r}, the small image is "
            f"{image['smallImageName']!r}")
        assert isinstance(itwin["image"], str), f"the iTwin's image is {itwin['image']!r}"
        small, large, shown = self.fetch_all(
            (image["smallImageUrl"], answer, "small image"),
            (image["largeImageUrl"], answer, "large image"),
            (itwin["image"], itwin_answer, "iTwin's image"))
        assert sha256(shown) == sha256(small), (
            "the iTwin's image link does not serve the small image's bytes")
        return Stored(identity(image), Blobs(sha256(small), sha256(large)))

    def last_seen(self, itwin_id: str) -> Stored:
        """The stored image by GET, its blobs from the ledger (fetched if never seen)."""
        image, answer = self.image(itwin_id)
        if image is None:
            return NOTHING
        found = (image["id"], image["smallImageName"], image["largeImageName"])
        blobs = _LEDGER.get(found)
        if blobs is None:
            blobs = self.blobs(image, answer)
            remember(Stored(found, blobs))
        return Stored(found, blobs)


def ensure_baseline(reader: Reader, itwin_id: str) -> Stored:
    """The iTwin's image, uploading a small one first if it has none, so that "a refused
    request stored nothing" compares against a real image."""
    with preparation("uploads a baseline only if earlier tests left no image"):
        before = reader.last_seen(itwin_id)
        if before.identity is not None:
            return before
        body = build_bytes(case(BASELINE_CASE))
        response = reader.client.upload_image(itwin_id, body, "image/png")
        assert response.status_code == 201, f"baseline upload failed: {describe(response)}"
        image = image_of(response)
        small = reader.fetch(image["smallImageUrl"], response, "small image")
        stored = Stored(identity(image), Blobs(sha256(small), sha256(body)))
    remember(stored)
    return stored


def assert_unchanged(reader: Reader, itwin_id: str, before: Stored) -> None:
    """A refused request changed nothing: the image, the iTwin's fields and the bytes behind
    every link are what they were."""
    reader.forget()
    with preparation("reads back what a refused request may have changed"):
        after = reader.read(itwin_id)
    remember(after)  # the next test starts from what is there now
    assert after == before, (
        f"a refused request changed what is stored: before {before}; after {after}")


def assert_stored(reader: Reader, itwin_id: str, answer: httpx.Response,
                  upload: Upload) -> dict[str, str]:
    """A 201 stored the upload: names of the documented form, the large link serves the
    upload's bytes, the small one a thumbnail of it, and GET image and GET iTwin agree and
    serve the same bytes. The 201's links and the two reads go out at once."""
    image = image_of(answer)
    assert_names(image, upload)
    links = ((image["smallImageUrl"], answer, "small image"),
             (image["largeImageUrl"], answer, "large image"))
    stored = reader.read(itwin_id, partial(reader.fetch_all, *links))
    blobs = assert_answer_blobs(reader, image, reader.fetch_all(*links), upload)
    expected = Stored(identity(image), blobs)
    assert stored.identity == expected.identity, (
        f"GET after the 201 returns {stored}, the upload said {expected}")
    assert stored == expected, (
        f"GET's links do not serve the bytes of the 201's: {stored}, expected {expected}")
    remember(stored)
    return image


def assert_upload_answer(reader: Reader, answer: httpx.Response, upload: Upload) -> None:
    """What a 201 says: names of the documented form, a large link serving the upload's
    bytes, a small one serving a thumbnail of it."""
    image = image_of(answer)
    assert_names(image, upload)
    fetched = reader.fetch_all((image["smallImageUrl"], answer, "small image"),
                               (image["largeImageUrl"], answer, "large image"))
    assert_answer_blobs(reader, image, fetched, upload)


def assert_answer_blobs(reader: Reader, image: dict[str, str], fetched: list[bytes],
                        upload: Upload) -> Blobs:
    """The 201's small and large blobs: a thumbnail of the upload, and the upload."""
    small, large = fetched
    assert large == upload.body, (
        f"the large image is not the uploaded bytes ({len(large)} bytes, uploaded "
        f"{len(upload.body)})")
    assert_thumbnail(small, image["smallImageName"], upload, reader.profile)
    return Blobs(sha256(small), sha256(large))


def assert_names(image: dict[str, str], upload: Upload) -> None:
    """Documented: `small_<id>.<ext>` and `large_<id>.<ext>`, ext png or jpeg; the large
    image is the upload, so its extension is the upload's format (or its declared type's,
    for a mislabelled upload a target chose to take)."""
    small_ext = image["smallImageName"].rsplit(".", 1)[-1]
    assert image["smallImageName"] == f"small_{image['id']}.{small_ext}", (
        f"smallImageName {image['smallImageName']!r} is not small_<id>.<ext>")
    assert small_ext in ("png", "jpeg"), f"{image['smallImageName']}: ext is png or jpeg"
    declared = {"image/png": "png", "image/jpeg": "jpeg"}.get(upload.content_type or "")
    allowed = {ext for ext in (upload.extension, declared) if ext} or {"png", "jpeg"}
    large_ext = image["largeImageName"].rsplit(".", 1)[-1]
    assert image["largeImageName"] == f"large_{image['id']}.{large_ext}", (
        f"largeImageName {image['largeImageName']!r} is not large_<id>.<ext>")
    assert large_ext in allowed, (
        f"{image['largeImageName']}: the large image is the upload, a "
        f"{upload.format or 'file'} sent as {upload.content_type}; expected "
        + " or ".join(f".{ext}" for ext in sorted(allowed)))
