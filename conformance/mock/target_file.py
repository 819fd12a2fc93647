"""The target file the mock writes for itself: everything the suite needs to reach it.

TOML written by hand (tomllib only reads); every value is a string, an int or a bool.
Secrets in it are the mock's own throwaway credentials, dead when the mock stops.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from conformance.contract import PERSONAS, REQUIRED_SCOPE
from conformance.files import write_atomically

from .identity_provider import TOKEN_PATH
from .settings import MockSettings
from .state import MockState

NO_SCOPE_TTL = 24 * 3600


def toml_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a TOML basic string once DEL, which TOML also escapes, is escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _table(name: str | None, values: dict[str, str | int | bool]) -> str:
    lines = [f"[{name}]"] if name else []
    lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines)


def render_target(state: MockState, origin: str, *, name: str = "mock") -> str:
    """The complete target file of a mock reachable at `origin`."""
    settings = state.settings
    users = state.world.seed.users
    tables = [
        "# Written by the iTwins image API mock. Credentials are throwaway: they die with it.",
        _table(None, {"name": name, "base_url": f"{origin}/itwins", "destructive": True}),
        _table("itwins", {"shared": state.world.seed.shared_itwin_id}),
    ]
    for persona in PERSONAS:
        user = users[persona]
        tables.append(_table(f"personas.{persona}", {
            "client_id": user.client_id, "client_secret": user.client_secret,
            "token_url": origin + TOKEN_PATH, "scope": REQUIRED_SCOPE}))
    holder = users["org_admin"]
    issued_2h_ago = {"iat": int(time.time()) - 7200}
    tables.append(_table("personas.expired", {  # issued two hours ago, expired one hour ago
        "token": state.tokens.mint(holder, issuer=origin, expires_in=-3600,
                                   not_before_in=-7200, claims=issued_2h_ago)}))
    tables.append(_table("personas.no_scope", {
        "token": state.tokens.mint(holder, issuer=origin, expires_in=NO_SCOPE_TTL,
                                   scope=None)}))
    tables.append(_table("profile", profile_of(settings)))
    if settings.control:
        tables.append(_table("mock", {"control_url": f"{origin}/__mock__",
                                      "control_secret": state.control_secret}))
    return "\n\n".join(tables) + "\n"


def profile_of(settings: MockSettings) -> dict[str, str | int | bool]:
    """The [profile] that pins each of the mock's readings of the open points (a mock broken
    on purpose still claims the faithful ones: that is what its breaks are measured by)."""
    return {
        "max_image_bytes": settings.max_image_bytes,
        "oversize_status": settings.oversize_status,
        "non_member_status": settings.non_member_status,
        "admin_reads_without_membership": settings.admin_reads_without_membership,
        "thumbnail_max_side": settings.thumbnail_size,
        "thumbnail_keeps_aspect": settings.thumbnail_shape == "fit",
        "thumbnail_format": settings.thumbnail_format,
        "blob_content_type": settings.blob_content_type,
    }


def write_target_file(path: str | os.PathLike[str], text: str) -> Path:
    """Write a target file whole (a reader polling for it never sees half of it), readable
    by its owner only: it holds every persona's credentials and the control secret."""
    return write_atomically(path, text, mode=0o600)
