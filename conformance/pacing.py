"""Requests spaced to stay under a target's rate limit, across every process of a run.

A staging host on a trial tier allows 500 calls a minute; a run that meets that limit gets
429s, waits them out and takes longer than one that never meets it. With `[profile]
requests_per_minute = N` each API request takes the next free slot of a schedule shared,
through one small file and an exclusive lock, by every process on this machine that talks
to that target (xdist workers, runs side by side), and waits for it.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import time
from pathlib import Path

from .files import file_lock

# Slots a little wider than 60/N: a request that leaves its slot late (a busy machine) must
# not arrive in a window the next one also falls into.
SAFETY = 1.02
_SLOT = struct.Struct("<d")


class Pacer:
    """At most `per_minute` requests a minute to one target, evenly spaced."""

    def __init__(self, per_minute: int, schedule: Path) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.interval = 60.0 / per_minute * SAFETY
        self.schedule = schedule

    @classmethod
    def for_target(cls, per_minute: int, base_url: str) -> Pacer:
        """The pacer every process shares for the target at `base_url`."""
        key = hashlib.sha256(base_url.encode()).hexdigest()[:16]
        return cls(per_minute, Path(tempfile.gettempdir()) / f"itwin-conformance-pace-{key}")

    def take(self) -> float:
        """The wall-clock time of this request's slot, booked in the shared schedule."""
        with file_lock(self.schedule), open(self.schedule, "r+b") as handle:
            stored = handle.read(_SLOT.size)
            now = time.time()
            slot = max(now, _SLOT.unpack(stored)[0] if len(stored) == _SLOT.size else now)
            handle.seek(0)
            handle.truncate()
            handle.write(_SLOT.pack(slot + self.interval))
            handle.flush()
            os.fsync(handle.fileno())
        return slot

    def wait(self) -> float:
        """Block until this request's slot; the seconds waited."""
        delay = max(0.0, self.take() - time.time())
        if delay:
            time.sleep(delay)
        return delay
