"""What every API call checks first: the Accept version, the caller, the iTwin, the right.

The order is the mock's reading of a gateway in front of a service: routing (Accept) before
authentication, authentication before anything about the iTwin, and existence before
permission, with non-members told the iTwin is not there (by default) so that a caller
cannot learn which ids exist.
"""

from __future__ import annotations

import re
import uuid

from starlette.requests import Request

from conformance.contract import ACCEPT_V1

from .auth import authenticate
from .errors import documented
from .state import MockState
from .world import READ, ITwin, User

_VENDOR_PREFIX = "application/vnd.bentley."
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def state_of(request: Request) -> MockState:
    state: MockState = request.app.state.mock
    return state


def check_accept(request: Request) -> None:
    """No Accept, */*, JSON or v1 is served; a Bentley media type other than v1 is an
    unknown API version, answered like a wrong route."""
    media = [part.split(";")[0].strip().lower()
             for part in request.headers.get("accept", "").split(",")]
    vendor = [m for m in media if m.startswith(_VENDOR_PREFIX)]
    if vendor and ACCEPT_V1 not in vendor:
        raise documented("ResourceNotFound")


def caller(request: Request) -> User:
    """The authenticated caller of an API operation (Accept checked first)."""
    check_accept(request)
    state = state_of(request)
    return authenticate(request, state.tokens, state.world, state.origin(request))


def normalize_id(raw: str) -> str | None:
    """The canonical (lower-case, hyphenated) GUID, or None for anything else."""
    return str(uuid.UUID(raw)) if _GUID.fullmatch(raw) else None


def itwin_for(request: Request, user: User, action: str) -> ITwin:
    """The iTwin of the path if `user` may `action` it, else the documented refusal."""
    state = state_of(request)
    itwin_id = normalize_id(request.path_params["itwin_id"])
    itwin = state.world.itwin(itwin_id) if itwin_id else None
    if itwin is None:
        raise documented("iTwinNotFound")
    if not itwin.is_visible_to(user):
        if state.settings.non_member_status == 404:
            raise documented("iTwinNotFound")
        raise documented("InsufficientPermissions")
    if action != READ and not itwin.may(user, action):
        raise documented("InsufficientPermissions")
    return itwin
