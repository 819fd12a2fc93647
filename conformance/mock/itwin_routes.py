"""POST /itwins, GET and DELETE /itwins/{id}: the iTwins the image operations act on.

Any caller with a valid token may create; the caller's organization owns the new iTwin
and the caller becomes a member with every right. Validation follows the documented
request schema (`NewITwin` in openapi.json).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.contract import READ_ONLY_ID, DetailSpec

from . import choices
from .access import caller, itwin_for
from .blobs import LARGE, SMALL
from .errors import documented, mock_error
from .image_store import drop_image
from .state import MockState, state_of
from .streams import BodyNotJson, BodyTooLarge, BodyUnrepresentable, read_json
from .world import DELETE, OWNER_ROLE, READ, ITwin, StoredImage, new_id

# class -> the subClasses it allows, as the iTwins API pairs them.
SUBCLASSES = {
    "Account": ("Account", "Portfolio"),
    "Thing": ("Asset",),
    "Endeavor": ("Program", "Project", "WorkPackage"),
}
STATUSES = ("Active", "Inactive", "Trial")
MAX_TEXT = 255


def itwin_body(state: MockState, origin: str, itwin: ITwin) -> dict[str, Any]:
    image = itwin.image
    return {"iTwin": {
        "id": itwin.id,
        "class": itwin.class_,
        "subClass": itwin.sub_class,
        "type": itwin.type,
        "number": itwin.number,
        "displayName": itwin.display_name,
        "geographicLocation": None,
        "ianaTimeZone": None,
        "dataCenterLocation": "East US",
        "status": itwin.status,
        "parentId": itwin.owner_org,
        "iTwinAccountId": itwin.owner_org,
        "imageName": image.small_name if image else None,
        "image": _itwin_image_url(state, origin, image),
        "createdDateTime": itwin.created,
        "createdBy": itwin.created_by,
        "lastModifiedDateTime": itwin.last_modified,
        "lastModifiedBy": itwin.last_modified_by,
    }}


def _itwin_image_url(state: MockState, origin: str, image: StoredImage | None) -> str | None:
    """The small image's link (the large one's, where the mock is broken on purpose)."""
    if image is None:
        return None
    if state.settings.broken("itwin-image-is-large"):
        return state.sas.url(origin, LARGE, image.large_name)
    return state.sas.url(origin, SMALL, image.small_name)


def _text(body: dict[str, Any], name: str, problems: list[DetailSpec], *,
          required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            problems.append(choices.missing_property(name))
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        problems.append(choices.invalid_property(
            name, f"must be a{' non-empty' if required else ''} string of at most "
                  f"{MAX_TEXT} characters."))
        return None
    return value


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...],
            problems: list[DetailSpec], *, required: bool) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            problems.append(choices.missing_property(name))
        return None
    if value not in allowed:
        problems.append(choices.invalid_property(name, f"must be one of {', '.join(allowed)}."))
        return None
    return str(value)


def parse_new_itwin(body: Any) -> dict[str, Any]:
    """The fields of a valid create request, or a 422 naming every problem."""
    if not isinstance(body, dict):
        raise mock_error(choices.CANNOT_CREATE_ITWIN, choices.NOT_JSON)
    problems: list[DetailSpec] = []
    if "id" in body:
        problems.append(READ_ONLY_ID)
    fields = {
        "display_name": _text(body, "displayName", problems, required=True),
        "number": _text(body, "number", problems),
        "type": _text(body, "type", problems),
        "class_": _choice(body, "class", tuple(SUBCLASSES), problems, required=True),
        "sub_class": _choice(body, "subClass", sum(SUBCLASSES.values(), ()), problems,
                             required=True),
        "status": _choice(body, "status", STATUSES, problems, required=False) or "Active",
    }
    if fields["class_"] and fields["sub_class"] and (
            fields["sub_class"] not in SUBCLASSES[fields["class_"]]):
        problems.append(choices.invalid_property(
            "subClass", f"must be one of {', '.join(SUBCLASSES[fields['class_']])} "
                        f"for class {fields['class_']}."))
    if problems:
        raise mock_error(choices.CANNOT_CREATE_ITWIN, *problems)
    return fields


async def create_itwin(request: Request) -> Response:
    user = caller(request)
    state = state_of(request)
    try:
        body = await read_json(request, state.settings.max_json_bytes)
    except BodyTooLarge:
        raise mock_error(choices.CANNOT_CREATE_ITWIN, choices.JSON_TOO_LARGE) from None
    except BodyNotJson:
        body = None
    except BodyUnrepresentable:
        raise mock_error(choices.CANNOT_CREATE_ITWIN, choices.UNREPRESENTABLE) from None
    fields = parse_new_itwin(body)
    if len(state.world.itwins) >= state.settings.max_itwins:
        raise mock_error(choices.CAPACITY_EXCEEDED,
                         what=f"at most {state.settings.max_itwins} iTwins")
    itwin_id = new_id()
    fields["number"] = fields["number"] or itwin_id
    if state.world.number_taken(user.organization_id, fields["number"]):
        raise mock_error(choices.ITWIN_EXISTS)
    itwin = ITwin(id=itwin_id, owner_org=user.organization_id, created_by=user.id,
                  members={user.id: OWNER_ROLE}, **fields)
    state.world.itwins[itwin.id] = itwin
    return JSONResponse(itwin_body(state, state.origin(request), itwin), status_code=201)


DEFAULT_PAGE = 100
MAX_PAGE = 1000


# ASCII digits only, and few enough for int(): "²".isdigit() is true, and int() reads at most
# 4300 digits.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise mock_error(choices.INVALID_LIST_REQUEST, choices.invalid_property(
            name, f"must be a whole number from {low} to {high}."))
    return int(raw)


def _matches(itwin: ITwin, search: str) -> bool:
    needle = search.casefold()
    return any(needle in (text or "").casefold() for text in (itwin.display_name, itwin.number))


async def list_itwins(request: Request) -> Response:
    """GET /itwins: the iTwins the caller may see, oldest first, a page at a time.

    `$search` finds text in displayName or number; `$top` and `$skip` page; `_links.next`
    is the next page, or null after the last.
    """
    user = caller(request)
    # "/itwins/%0A" reaches this route too (a regex `$` matches before a final newline, and
    # request.url drops the newline): that is an iTwin id, not the list.
    if request.scope["path"].rstrip("/") != "/itwins":
        raise documented("iTwinNotFound")
    state = state_of(request)
    top = _query_int(request, "$top", DEFAULT_PAGE, 1, MAX_PAGE)
    skip = _query_int(request, "$skip", 0, 0, 10**9)
    search = request.query_params.get("$search", "")[:MAX_TEXT]
    admin_reads = state.settings.admin_reads_without_membership
    visible = [i for i in state.world.itwins.values()
               if i.is_visible_to(user, admin_reads=admin_reads)
               and (not search or _matches(i, search))]
    origin = state.origin(request)
    page = [itwin_body(state, origin, itwin)["iTwin"] for itwin in visible[skip:skip + top]]
    more = skip + top < len(visible)
    next_link = None
    if more:
        query = urlencode({"$search": search, "$top": top, "$skip": skip + top} if search
                          else {"$top": top, "$skip": skip + top})
        next_link = {"href": f"{origin}/itwins/?{query}"}
    return JSONResponse({"iTwins": page, "_links": {"next": next_link}})


async def get_itwin(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, READ)
    state = state_of(request)
    return JSONResponse(itwin_body(state, state.origin(request), itwin))


async def delete_itwin(request: Request) -> Response:
    user = caller(request)
    itwin = itwin_for(request, user, DELETE)
    state = state_of(request)
    del state.world.itwins[itwin.id]
    drop_image(state, itwin.image)
    return Response(status_code=204)
