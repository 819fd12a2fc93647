"""Who may do what: the checks every API call makes before its own work, in order.

The Accept version, the bearer token (authentication), the iTwin, and the caller's right
on it (authorization). The order is the mock's reading of a gateway in front of a service:
routing (Accept) before authentication, authentication before anything about the iTwin,
and existence before permission, with non-members told the iTwin is not there (by
default) so that a caller cannot learn which ids exist. Each authentication failure
answers the catalogue's 401 with its exact message, in the order a gateway meets them: the
header, its scheme, the token itself, then the scope.
"""

from __future__ import annotations

import re
import uuid

import jwt
from starlette.requests import Request

from conformance.contract import ACCEPT_V1

from . import choices
from .errors import ApiError, documented, mock_error
from .settings import MockSettings
from .state import state_of
from .tokens import TokenIssuer, has_scope
from .world import ITwin, User, World

_VENDOR_PREFIX = "application/vnd.bentley."
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def check_accept(request: Request) -> None:
    """No Accept, */*, JSON or v1 is served; a Bentley media type other than v1 is an
    unknown API version, answered like a wrong route."""
    media = [part.split(";")[0].strip().lower()
             for part in request.headers.get("accept", "").split(",")]
    vendor = [m for m in media if m.startswith(_VENDOR_PREFIX)]
    if vendor and ACCEPT_V1 not in vendor and not state_of(request).settings.broken(
            "unknown-accept-served"):
        raise documented("ResourceNotFound")


def _checks_expiry(request: Request, settings: MockSettings) -> bool:
    if settings.broken("expiry-not-checked"):
        return False
    reading = request.method in ("GET", "HEAD")
    return not (reading and settings.broken("expiry-checked-on-writes-only"))


def authenticate(request: Request, tokens: TokenIssuer, world: World, issuer: str,
                 settings: MockSettings) -> User:
    """The caller, or the catalogue's 401 for the first check that fails."""
    header = request.headers.get("authorization")
    if header is None:
        raise documented("HeaderNotFound")
    parts = header.split(None, 1)
    if not parts:
        raise documented("InvalidHeaderValue")
    scheme = parts[0]
    if scheme.lower() != "bearer":
        raise documented("InvalidAuthorizationScheme", scheme=scheme)
    token = parts[1].strip() if len(parts) > 1 else ""
    try:
        claims = tokens.verify(token, issuer, check_expiry=_checks_expiry(request, settings))
    except (jwt.PyJWTError, ValueError, TypeError):
        raise documented("Unauthorized") from None
    if not has_scope(claims) and not settings.broken("scope-not-checked"):
        raise documented("RequiredScopeMissing")
    user = world.user(claims.get("sub"))
    if user is None:
        raise documented("Unauthorized")
    return user


def caller(request: Request) -> User:
    """The authenticated caller of an API operation (Accept checked first)."""
    check_accept(request)
    state = state_of(request)
    return authenticate(request, state.tokens, state.world, state.origin(request),
                        state.settings)


def normalize_id(raw: str) -> str | None:
    """The canonical (lower-case, hyphenated) GUID, or None for anything else."""
    return str(uuid.UUID(raw)) if _GUID.fullmatch(raw) else None


def itwin_for(request: Request, user: User, action: str) -> ITwin:
    """The iTwin of the path if `user` may `action` it, else the documented refusal."""
    state = state_of(request)
    settings = state.settings
    itwin_id = normalize_id(request.path_params["itwin_id"])
    if itwin_id is None and settings.malformed_id_status == 400:
        raise mock_error(choices.INVALID_ITWIN_ID)
    itwin = state.world.itwin(itwin_id) if itwin_id else None
    if itwin is None:
        raise documented("iTwinNotFound")
    admin_reads = settings.admin_reads_without_membership
    if itwin.may(user, action, admin_reads=admin_reads) or settings.broken(
            "permission-check-skipped"):
        return itwin
    if itwin.is_visible_to(user, admin_reads=admin_reads):
        raise documented("InsufficientPermissions")
    raise not_a_member(settings.non_member_status)


def not_a_member(status: int) -> ApiError:
    """What a caller who may not see the iTwin is told: that it is not there (404, so that
    ids cannot be probed), or that it may not (403)."""
    if status == 404:
        return documented("iTwinNotFound")
    return documented("InsufficientPermissions")
