"""The media type of the API's JSON answers: `application/json` by default, or another
reading a faithful server may choose (with a charset, or Bentley's vendor type)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import API_PREFIX

_JSON = b"application/json"


class JsonMediaType:
    """Rewrites `Content-Type: application/json` on API answers to `media_type`."""

    def __init__(self, app: ASGIApp, media_type: str) -> None:
        self.app = app
        self.media_type = media_type.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_retyped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, self.media_type if name.lower() == b"content-type"
                     and value == _JSON else value)
                    for name, value in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, send_retyped)
