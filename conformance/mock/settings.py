"""The mock's limits and choices, as one frozen value.

Every limit the upload path enforces comes from here, so a test can build a deliberately
broken mock (ratio 6, a byte limit one lower) and prove the suite notices. The defaults are
the mock's reading of the contract; `docs/differences.md` says why each was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from conformance.contract import ACCEPT_V1, MAX_RATIO, SIZE_ALWAYS_REJECTED_ABOVE

from .breaks import BREAKS

# Every reading of an open point the mock can play, its own choice first. Each alternative is
# one a faithful server may make, so the suite must pass against every one (tests/suite).
READINGS: dict[str, tuple[object, ...]] = {
    "oversize_status": (413, 422),
    "non_member_status": (404, 403),
    "foreign_type_status": (422, 415),
    "empty_body_status": (422, 400),
    "malformed_id_status": (404, 400),
    "admin_reads_without_membership": (True, False),
    "sniff_ambiguous_types": (False, True),
    "reupload_keeps_names": (False, True),
    "thumbnail_shape": ("fit", "square"),
    "thumbnail_format": ("same", "png", "jpeg"),
    "blob_content_type": ("image", "application/octet-stream"),
    "json_media_type": ("application/json", "application/json; charset=utf-8", ACCEPT_V1),
    "single_space_messages": (False, True),
}


@dataclass(frozen=True)
class MockSettings:
    """Limits (bytes, ratio, pixels), the undetermined choices, and resource bounds."""

    # Upload limits. 5 MiB is the larger reading of "5 MB": bodies of 5,000,000 bytes pass
    # under either reading, and 6 MiB is rejected with 413 as the real service did.
    max_image_bytes: int = SIZE_ALWAYS_REJECTED_ABOVE
    max_ratio: int = MAX_RATIO
    # 40 megapixels (e.g. 8000x5000) is above any photo that fits in 5 MB at sane quality,
    # and far below what a decompression bomb claims; one decode at the cap costs at most
    # 200 MB (an RGBA PNG, 4 bytes a pixel: 164 MB measured, benchmarks/bench_memory.py),
    # which with `decode_workers` bounds the decode memory.
    max_pixels: int = 40_000_000
    # Undetermined points: which status an oversize body gets, and what a non-member sees.
    oversize_status: int = 413
    non_member_status: int = 404
    # Thumbnails: the longest side of the small image, and its JPEG quality.
    thumbnail_size: int = 400
    thumbnail_quality: int = 85
    # The other readings of open points (READINGS above; docs/mock.md says what each does).
    foreign_type_status: int = 422
    empty_body_status: int = 422
    malformed_id_status: int = 404
    admin_reads_without_membership: bool = True
    sniff_ambiguous_types: bool = False
    reupload_keeps_names: bool = False
    thumbnail_shape: str = "fit"
    thumbnail_format: str = "same"
    blob_content_type: str = "image"
    json_media_type: str = "application/json"
    single_space_messages: bool = False
    # A token bucket on the API (0: none), as a throttled staging host behaves.
    rate_limit_per_second: int = 0
    rate_limit_burst: int = 10
    # A delay before every answer (0: none), as a target across a network adds.
    latency_ms: int = 0
    # Deliberate breaks of the contract (breaks.py), to prove the suite catches each one.
    # A mock with any of them is not faithful; it says so when it starts.
    breaks: frozenset[str] = frozenset()
    # Lifetimes. The contract promises SAS links valid "for a minimum of 1 hour".
    sas_ttl_seconds: int = 2 * 3600
    token_ttl_seconds: int = 3600
    # The control API under /__mock__/ (off for a mock that should only be the API).
    control: bool = True
    # Resource bounds: the mock keeps everything in memory and must never grow unbounded.
    max_itwins: int = 10_000
    max_stored_bytes: int = 512 * 1024 * 1024
    max_concurrent_uploads: int = 16
    decode_workers: int = 2
    max_json_bytes: int = 64 * 1024
    max_faults: int = 1_000
    # Slow clients: every part of a request (headers, body) must arrive within this, or it
    # gets 408 and its connection is closed (arrival.py). A 5 MB upload needs 700 kbit/s.
    read_timeout_seconds: int = 60
    # Upload bodies held while they arrive, all uploads together: taken as bytes come in,
    # so a slow upload holds only what it has sent and cannot keep others from reading.
    max_buffered_upload_bytes: int = 16 * SIZE_ALWAYS_REJECTED_ABOVE

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise TypeError(f"MockSettings.{field.name} must be an int, got {value!r}")
        self._check_positive()
        for name, choices in READINGS.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {choices}")
        if not 1 <= self.thumbnail_quality <= 95:
            raise ValueError("thumbnail_quality must be between 1 and 95")
        if self.rate_limit_per_second < 0 or self.latency_ms < 0:
            raise ValueError("rate_limit_per_second and latency_ms must be 0 (none) or more")
        if self.max_buffered_upload_bytes < self.max_image_bytes:
            raise ValueError("max_buffered_upload_bytes must hold at least one upload "
                             "(max_image_bytes)")
        object.__setattr__(self, "breaks", frozenset(self.breaks))
        unknown = sorted(self.breaks - set(BREAKS))
        if unknown:
            raise ValueError(f"unknown breaks {unknown}; known: {sorted(BREAKS)}")

    def broken(self, name: str) -> bool:
        """Whether this mock deliberately breaks the rule `name` (breaks.py)."""
        return name in self.breaks

    def _check_positive(self) -> None:
        for name in ("max_image_bytes", "max_ratio", "max_pixels", "thumbnail_size",
                     "sas_ttl_seconds", "token_ttl_seconds", "max_itwins", "max_stored_bytes",
                     "max_concurrent_uploads", "decode_workers", "max_json_bytes", "max_faults",
                     "rate_limit_burst", "read_timeout_seconds",
                     "max_buffered_upload_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"MockSettings.{name} must be at least 1")
