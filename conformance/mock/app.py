"""`create_app`: the routes of one mock, and the handlers that keep every answer in the
error model, a wrong route, a wrong method and a bug in the mock included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from conformance.contract import ErrorSpec, Evidence, schema_dir
from conformance.contract.schemas import SCHEMA_FILES

from . import blobs, choices, control_api, identity_provider, image_routes, itwin_routes
from .arrival import BodyDeadline, RequestTimedOut
from .errors import ApiError, documented, mock_error
from .faults import FaultMiddleware
from .latency import Latency
from .media import JsonMediaType
from .routing import resource
from .settings import MockSettings
from .state import MockState
from .throttle import Throttle

ITWIN = "/itwins/{itwin_id}"
SCHEMA_DOCUMENTS = ("openapi.json", *SCHEMA_FILES)


def _schema_routes() -> list[Route]:
    """/openapi.json and the schema files beside it, so its relative $refs resolve."""
    folder = schema_dir()
    routes = []
    for name in SCHEMA_DOCUMENTS:
        content = (folder / name).read_bytes()

        async def serve(request: Request, content: bytes = content) -> Response:
            return Response(content, media_type="application/json")

        routes.append(Route(f"/{name}", serve, methods=["GET"]))
    return routes


def _routes(settings: MockSettings) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        resource("/itwins", {"GET": itwin_routes.list_itwins,
                             "POST": itwin_routes.create_itwin}),
        resource("/itwins/", {"GET": itwin_routes.list_itwins,
                              "POST": itwin_routes.create_itwin}),
        resource(ITWIN, {"GET": itwin_routes.get_itwin, "DELETE": itwin_routes.delete_itwin}),
        resource(f"{ITWIN}/image", {"PUT": image_routes.upload_image,
                                    "GET": image_routes.get_image,
                                    "DELETE": image_routes.delete_image}),
        Route("/blobs/{container}/{name}", blobs.download, methods=["GET"]),
        Route(identity_provider.TOKEN_PATH, identity_provider.token, methods=["POST"]),
        Route(identity_provider.DISCOVERY_PATH, identity_provider.discovery, methods=["GET"]),
        Route(identity_provider.JWKS_PATH, identity_provider.jwks, methods=["GET"]),
        *_schema_routes(),
    ]
    if settings.control:
        routes += control_api.routes()
    return routes


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing's own refusals: no route is ResourceNotFound, a wrong method a 405."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return documented("ResourceNotFound").response()
    if exc.status_code == 405:
        return mock_error(choices.METHOD_NOT_ALLOWED, headers=exc.headers,
                          method=request.method).response()
    spec = ErrorSpec(exc.status_code, "HttpError", str(exc.detail), Evidence.UNDETERMINED)
    return JSONResponse(spec.body(), status_code=exc.status_code, headers=exc.headers)


async def _timed_out(request: Request, exc: Exception) -> Response:
    """The body did not arrive in time: say so and close (the rest is not worth reading)."""
    seconds = str(request.app.state.mock.settings.read_timeout_seconds)
    return mock_error(choices.REQUEST_TIMEOUT, headers={"Connection": "close"},
                      seconds=seconds).response()


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up mid-body; nobody will read this answer."""
    return Response(status_code=400)


async def _bug(request: Request, exc: Exception) -> Response:
    """A bug in the mock still answers the error model (tests prove it never happens)."""
    return mock_error(choices.INTERNAL_ERROR).response()


def create_app(settings: MockSettings | None = None, *, public_url: str | None = None
               ) -> Starlette:
    """A mock of the iTwins image API with a fresh world.

    `public_url` is the origin clients reach it at (e.g. http://127.0.0.1:8080); it names
    the token issuer and prefixes blob links. Without it, each request's own origin is used.
    """
    settings = settings or MockSettings()
    state = MockState(settings, public_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    # Outermost first: every API answer, injected faults and 429s included, gets the media
    # type of the mock's reading.
    # Faults before the body's deadline: an injected latency is not the client's, so the
    # body's clock starts after it.
    middleware = [Middleware(FaultMiddleware, book=state.faults),
                  Middleware(BodyDeadline, seconds=settings.read_timeout_seconds),
                  Middleware(Throttle, settings=settings)]
    if settings.json_media_type != "application/json":
        middleware.insert(0, Middleware(JsonMediaType, media_type=settings.json_media_type))
    if settings.latency_ms:
        middleware.insert(0, Middleware(Latency, milliseconds=settings.latency_ms))
    app = Starlette(
        routes=_routes(settings),
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error,
                            RequestTimedOut: _timed_out, ClientDisconnect: _client_gone,
                            Exception: _bug},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.mock = state
    return app
