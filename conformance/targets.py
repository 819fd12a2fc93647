"""Target files: where the API is, who the personas are, and how to get their tokens.

A target is a TOML file (see docs/targets.md). Values may use `${ENV_VAR}`; a variable that
is not set is an error naming it, never an empty string. Secrets are wrapped in `Secret`,
whose repr and str never show the value, so they cannot leak through logs or tracebacks.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .contract import PERSONAS, TOKEN_ONLY_PERSONAS
from .tls import tls_context

PRODUCTION_HOSTS = ("api.bentley.com",)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Refresh a cached token this many seconds before it expires.
TOKEN_EXPIRY_MARGIN = 60.0


class TargetError(Exception):
    """A target file that cannot be used; the message says why and never holds a secret."""


# The keys each table of a target file may hold; anything else is a configuration error
# (a misspelt key silently ignored would change what the run tests). [profile] keys are
# those `parse_profile` knows; [profile.cases.X] those `_case_pin` reads.
TOP_LEVEL_KEYS = ("name", "base_url", "destructive", "itwins", "personas", "profile", "mock")
ITWINS_KEYS = ("shared",)
PERSONA_KEYS = ("token", "client_id", "client_secret", "token_url", "scope")
CASE_KEYS = ("status", "code")
MOCK_KEYS = ("control_url", "control_secret")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """The hint ` (did you mean 'x'?)` for the closest known name; empty if none is close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def refuse_unknown(table: Mapping[str, Any], known: Iterable[str], where: str,
                   what: str = "key") -> None:
    """A `TargetError` naming the first unknown key of `table`, with the closest known one."""
    known = tuple(known)
    unknown = [key for key in table if key not in known]
    if unknown:
        first = unknown[0]
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise TargetError(f"{where}: unknown {what} {first!r}{did_you_mean(first, known)}"
                          f"{more}; known: {', '.join(known)}")


class Secret:
    """A string that does not show itself in repr, str or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def interpolate(value: str, environ: Mapping[str, str], where: str) -> str:
    """Replace each `${NAME}` in `value` with the environment's value, or fail naming NAME."""
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise TargetError(f"{where}: environment variable {name} is not set")
        return environ[name]
    return _ENV_REF.sub(substitute, value)


def _interpolate_tree(data: Any, environ: Mapping[str, str], where: str) -> Any:
    if isinstance(data, str):
        return interpolate(data, environ, where)
    if isinstance(data, dict):
        return {key: _interpolate_tree(value, environ, f"{where}.{key}")
                for key, value in data.items()}
    if isinstance(data, list):
        return [_interpolate_tree(item, environ, f"{where}[{i}]") for i, item in enumerate(data)]
    return data


@dataclass
class Persona:
    """One identity: a static token, or OAuth2 client credentials exchanged for a cached one."""

    name: str
    token: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    token_url: str | None = None
    scope: str = "itwin-platform"
    _cached: tuple[str, float] | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return "static token" if self.token is not None else "client credentials"

    def access_token(self, http: httpx.Client | None = None) -> str:
        """A valid access token: the static one, or a cached client-credentials token."""
        if self.token is not None:
            return self.token.reveal()
        with self._lock:
            now = time.monotonic()
            if self._cached is None or self._cached[1] - TOKEN_EXPIRY_MARGIN <= now:
                self._cached = self._fetch(http, now)
            return self._cached[0]

    def _fetch(self, http: httpx.Client | None, now: float) -> tuple[str, float]:
        assert self.client_id and self.client_secret and self.token_url
        form = {"grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret.reveal(), "scope": self.scope}
        owned = http is None
        client = http or httpx.Client(timeout=30.0, verify=tls_context())
        try:
            response = client.post(self.token_url, data=form)
        except httpx.HTTPError as exc:
            raise TargetError(f"persona {self.name}: token request to {self.token_url} "
                              f"failed: {type(exc).__name__}") from None
        finally:
            if owned:
                client.close()
        if response.status_code != 200:
            raise TargetError(f"persona {self.name}: token endpoint {self.token_url} answered "
                              f"{response.status_code}")
        try:
            reply = response.json()
            token = str(reply["access_token"])
            lifetime = float(reply.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise TargetError(f"persona {self.name}: token reply has no access_token") from None
        return token, now + lifetime


@dataclass(frozen=True)
class CasePin:
    """A profile's pin of one undetermined case: the exact status (and code) to expect."""

    status: int
    code: str | None = None


@dataclass(frozen=True)
class Profile:
    """What the public contract leaves undetermined, pinned for one target (all optional)."""

    max_image_bytes: int | None = None
    oversize_status: int | None = None
    non_member_status: int | None = None
    admin_reads_without_membership: bool | None = None
    # The thumbnail: its longest side at most this; its aspect the upload's (or not);
    # its format ("same": the upload's).
    thumbnail_max_side: int | None = None
    thumbnail_keeps_aspect: bool | None = None
    thumbnail_format: str | None = None
    # How blobs are served: "image" (their image type) or "application/octet-stream".
    blob_content_type: str | None = None
    # The target's rate limit: the client paces itself to stay under it (not a pin).
    requests_per_minute: int | None = None
    cases: Mapping[str, CasePin] = field(default_factory=dict)

    def pinned(self, key: str) -> str:
        """How a failure caused by the pin `key` names it, e.g.
        `pinned by [profile] oversize_status = 413`."""
        return f"pinned by [profile] {key} = {json.dumps(getattr(self, key))}"


# Profile keys, the values each may take, and why the range is what it is.
_PROFILE_CHOICES: dict[str, tuple[object, ...]] = {
    "oversize_status": (413, 422),
    "non_member_status": (403, 404),
    "admin_reads_without_membership": (True, False),
    "thumbnail_keeps_aspect": (True, False),
    "thumbnail_format": ("same", "png", "jpeg"),
    "blob_content_type": ("image", "application/octet-stream"),
}
# "5 MB" reads as 5,000,000 or 5 MiB; a limit outside that band contradicts the docs.
_MAX_IMAGE_BYTES_BAND = (5_000_000, 5 * 1024 * 1024)


def parse_profile(table: Any, where: str) -> Profile:
    """A `Profile` from the target's [profile] table; an unknown key or value is an error."""
    if not isinstance(table, dict):
        raise TargetError(f"{where}: expected a table")
    known = {"max_image_bytes", "thumbnail_max_side", "requests_per_minute", "cases",
             *_PROFILE_CHOICES}
    refuse_unknown(table, sorted(known), where)
    for key, choices in _PROFILE_CHOICES.items():
        if key in table and table[key] not in choices:
            raise TargetError(f"{where}.{key}: must be one of {choices}, got {table[key]!r}")
    size = table.get("max_image_bytes")
    low, high = _MAX_IMAGE_BYTES_BAND
    if size is not None and (not isinstance(size, int) or not low <= size <= high):
        raise TargetError(f"{where}.max_image_bytes: must be an integer from {low} to {high}")
    side = _positive(table, "thumbnail_max_side", where)
    per_minute = _positive(table, "requests_per_minute", where)
    cases = table.get("cases", {})
    if not isinstance(cases, dict):
        raise TargetError(f"{where}.cases: expected a table of case names")
    return Profile(
        max_image_bytes=size,
        oversize_status=table.get("oversize_status"),
        non_member_status=table.get("non_member_status"),
        admin_reads_without_membership=table.get("admin_reads_without_membership"),
        thumbnail_max_side=side,
        thumbnail_keeps_aspect=table.get("thumbnail_keeps_aspect"),
        thumbnail_format=table.get("thumbnail_format"),
        blob_content_type=table.get("blob_content_type"),
        requests_per_minute=per_minute,
        cases={name: _case_pin(value, f"{where}.cases.{name}")
               for name, value in cases.items()})


def _positive(table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < 1):
        raise TargetError(f"{where}.{key}: must be a positive integer")
    return value


def _case_pin(table: Any, where: str) -> CasePin:
    if not isinstance(table, dict) or not isinstance(table.get("status"), int):
        raise TargetError(f"{where}: expected a table with an integer status")
    refuse_unknown(table, CASE_KEYS, where)
    status, code = table["status"], table.get("code")
    if not (status == 201 or 400 <= status < 500):
        raise TargetError(f"{where}.status: must be 201 or a 4xx, got {status}")
    return CasePin(status, None if code is None else str(code))


@dataclass
class Target:
    """A parsed target file."""

    name: str
    base_url: str
    destructive: bool
    itwins: dict[str, str]
    personas: dict[str, Persona]
    profile: Profile
    control_url: str | None
    control_secret: Secret | None = None  # what the mock's control API wants with each call
    source: Path | None = None

    @property
    def is_mock(self) -> bool:
        return self.control_url is not None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def is_production(self) -> bool:
        return self.host in PRODUCTION_HOSTS

    def persona(self, name: str) -> Persona | None:
        return self.personas.get(name)

    def secrets(self) -> list[str]:
        """Every secret value this target holds (static tokens, client secrets and the
        mock's control secret)."""
        found: list[str] = []
        for persona in self.personas.values():
            for secret in (persona.token, persona.client_secret):
                if secret is not None:
                    found.append(secret.reveal())
        if self.control_secret is not None:
            found.append(self.control_secret.reveal())
        return found


def _persona(name: str, table: Any, where: str) -> Persona:
    if not isinstance(table, dict):
        raise TargetError(f"{where}: expected a table")
    refuse_unknown(table, PERSONA_KEYS, where)
    if "token" in table:
        if not isinstance(table["token"], str) or not table["token"]:
            raise TargetError(f"{where}.token: must be a non-empty string")
        return Persona(name, token=Secret(table["token"]))
    missing = [key for key in ("client_id", "client_secret", "token_url") if not table.get(key)]
    if missing:
        raise TargetError(f"{where}: give either token, or client_id, client_secret and "
                          f"token_url (missing: {', '.join(missing)})")
    return Persona(name, client_id=str(table["client_id"]),
                   client_secret=Secret(str(table["client_secret"])),
                   token_url=str(table["token_url"]),
                   scope=str(table.get("scope", "itwin-platform")))


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise TargetError(f"{where}: missing required key {key!r}")
    if not isinstance(data[key], kind):
        raise TargetError(f"{where}: {key!r} must be a {kind.__name__}")
    return data[key]


def parse_target(data: dict[str, Any], environ: Mapping[str, str] | None = None,
                 source: Path | None = None) -> Target:
    """A `Target` from the parsed TOML `data`, with `${ENV}` values filled from `environ`."""
    where = str(source) if source else "target"
    refuse_unknown(data, TOP_LEVEL_KEYS, where)
    data = _interpolate_tree(data, os.environ if environ is None else environ, where)
    base_url = str(_require(data, "base_url", str, where)).rstrip("/")
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise TargetError(f"{where}: base_url must be an http(s) URL")
    destructive = data.get("destructive", False)
    if not isinstance(destructive, bool):
        raise TargetError(f"{where}: destructive must be true or false, got {destructive!r}")
    itwins = _table(data, "itwins", ITWINS_KEYS, where)
    personas_table = _table(data, "personas", PERSONAS + TOKEN_ONLY_PERSONAS, where,
                            what="persona")
    personas = {name: _persona(name, table, f"{where}: personas.{name}")
                for name, table in personas_table.items()}
    mock = _table(data, "mock", MOCK_KEYS, where)
    control_secret = mock.get("control_secret")
    return Target(
        name=str(data.get("name", source.stem if source else "target")),
        base_url=base_url,
        destructive=destructive,
        itwins={str(k): str(v) for k, v in itwins.items()},
        personas=personas,
        profile=parse_profile(data.get("profile", {}), f"{where}: profile"),
        control_url=mock.get("control_url"),
        control_secret=None if control_secret is None else Secret(str(control_secret)),
        source=source,
    )


def _table(data: dict[str, Any], name: str, known: tuple[str, ...], where: str,
           what: str = "key") -> dict[str, Any]:
    """The sub-table `name` (empty if absent), checked to hold only `known` keys."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise TargetError(f"{where}: [{name}] must be a table")
    refuse_unknown(table, known, f"{where}: {name}", what)
    return table


def load_target(path: str | Path, environ: Mapping[str, str] | None = None) -> Target:
    """Read and parse a target file; every problem is a `TargetError` with a plain message."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise TargetError(f"target file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"target file {path} is not valid TOML: {exc}") from None
    return parse_target(data, environ, source=path)
