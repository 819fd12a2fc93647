"""Deliberate breaks of the contract: a mock that is wrong in exactly one way, on purpose.

The conformance suite is proved by running it against such mocks (tests/suite): each break
must be caught by the tests that assert the rule it breaks, and only by them. Other teams can
use them the same way, to see their own gate fail (`itwin-conformance mock --break NAME`).
A mock with any break is not faithful: it says so when it starts.

Each break is named here with the rule it breaks; the code that breaks it asks
`settings.broken(NAME)` at the one place that rule is kept.
"""

from __future__ import annotations

BREAKS: dict[str, str] = {
    # Uploads
    "sniff-content-type": "the Content-Type is ignored: PNG or JPEG bytes are stored under "
                          "any type",
    "foreign-type-401": "a foreign Content-Type is answered 401 Unauthorized to a valid token",
    "empty-body-404": "an empty body is answered 404 iTwinNotFound on an existing iTwin",
    "oversize-wrong-code": "an oversize body gets 413 with the code PayloadTooLarge",
    "refusal-overwrites-bytes": "a refused upload still overwrites the stored large image's "
                                "bytes (its names stay)",
    "large-reencoded": "the large image is the upload re-encoded, not its bytes",
    # Thumbnails
    "thumbnail-not-resized": "the thumbnail is the upload itself, whatever its size",
    "constant-thumbnail": "one fixed 5x1 grey PNG is every thumbnail",
    "blank-thumbnail": "thumbnails of the right size, all white",
    "stale-thumbnail": "a replacement keeps serving the first upload's thumbnail",
    "small-name-wrong-extension": "thumbnails are JPEG, named with the upload's extension",
    # Links
    "get-links-broken": "GET image hands out links whose signature does not verify",
    "itwin-image-is-large": "the iTwin's image is a link to the large image",
    "short-lived-links": "links expire 30 minutes after they are handed out",
    # Tokens
    "expiry-not-checked": "an expired token is accepted",
    "expiry-checked-on-writes-only": "an expired token is accepted for reads",
    "scope-not-checked": "a token without the itwin-platform scope is accepted",
    # Permissions
    "permission-check-skipped": "every persona may do everything",
    "refused-delete-deletes": "a delete refused with 403 still deletes the image",
    # Answers
    "wrong-error-code": "ImageNotFound is answered with the code ImageMissing",
    "unknown-accept-served": "an unknown API version in Accept is served like v1",
    "delete-idempotent": "deleting a missing image answers 204",
    "endless-429": "DELETE image answers 429 forever",
}

SHORT_LINK_SECONDS = 30 * 60
# The grey 5x1 PNG of "constant-thumbnail".
CONSTANT_THUMBNAIL_SIZE = (5, 1)
CONSTANT_THUMBNAIL_GREY = 128


def describe(breaks: frozenset[str]) -> list[str]:
    """One line per break, for the start-up banner."""
    return [f"{name}: {BREAKS[name]}" for name in sorted(breaks)]
