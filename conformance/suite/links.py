"""The links the API hands out: Azure Blob SAS URLs, readable without the bearer token.

Documented: the small and large URLs are "valid for a minimum of 1 hour". Where a link
states its expiry (the SAS `se` parameter), it must be at least an hour after the answer that
carried it (its `Date`, else this machine's clock), with a few minutes for clock skew. A link
without `se` is not judged: the contract does not say links are SAS links with an expiry.

How a blob is served is open: as its image type or as `application/octet-stream` (Azure's
default for a blob stored without one); the bytes decide what the blob is. A target's
`[profile] blob_content_type` pins which.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from urllib.parse import parse_qs, urlsplit

import httpx

from conformance.targets import Profile

MIN_LIFETIME = dt.timedelta(hours=1)
CLOCK_SKEW = dt.timedelta(minutes=5)
OCTET_STREAM = "application/octet-stream"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


def expiry_of(url: str) -> dt.datetime | None:
    """The SAS expiry `se` of `url` (UTC), None when it states none; AssertionError when it
    states one that is not a date (Azure writes YYYY-MM-DD, or with Thh:mm[:ss]Z)."""
    values = parse_qs(urlsplit(url).query).get("se")
    if not values:
        return None
    try:
        when = dt.datetime.fromisoformat(values[0])
    except ValueError:
        raise AssertionError(f"link expiry se={values[0]!r} is not a date") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def issued_at(carrier: httpx.Response) -> dt.datetime:
    """When the answer that carried a link was made: its Date header, else now."""
    try:
        return email.utils.parsedate_to_datetime(carrier.headers["date"])
    except (KeyError, TypeError, ValueError):
        return dt.datetime.now(dt.UTC)


def assert_lives_an_hour(url: str, carrier: httpx.Response, what: str) -> None:
    """A link handed out by `carrier` is valid for at least an hour, where it says."""
    expiry = expiry_of(url)
    if expiry is None:
        return
    issued = issued_at(carrier)
    assert expiry >= issued + MIN_LIFETIME - CLOCK_SKEW, (
        f"the {what} link expires at {expiry.isoformat()}, "
        f"{(expiry - issued).total_seconds() / 60:.0f} minutes after the answer that gave it "
        f"({issued.isoformat()}); documented: valid for a minimum of 1 hour")


def image_type_of(data: bytes) -> str | None:
    """image/png or image/jpeg by the first bytes, else None."""
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    return None


def assert_blob_type(response: httpx.Response, what: str, profile: Profile) -> None:
    """The blob's Content-Type is its image type or application/octet-stream (or exactly
    the profile's pin)."""
    served = response.headers.get("content-type", "").split(";")[0].strip().lower()
    own = image_type_of(response.content)
    allowed = {OCTET_STREAM, *([own] if own else ["image/png", "image/jpeg"])}
    if profile.blob_content_type == OCTET_STREAM:
        allowed, why = {OCTET_STREAM}, profile.pinned("blob_content_type")
    elif profile.blob_content_type == "image" and own:
        allowed, why = {own}, profile.pinned("blob_content_type")
    else:
        why = "a blob is served as its image type or as application/octet-stream"
    assert served in allowed, (
        f"the {what} is served as {served or '(no Content-Type)'!r}, expected "
        f"{' or '.join(sorted(allowed))} ({why})")
