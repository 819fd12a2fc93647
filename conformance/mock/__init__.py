"""A faithful mock of Bentley's iTwins image API (upload, get, delete an iTwin's image).

It behaves like the real service wherever the contract is known and makes one documented
choice wherever it is not (`docs/differences.md`). Of the project it imports only
`conformance.contract` and `conformance.files`; the suite reaches it over HTTP alone.
Where each part lives: docs/mock.md, "The code".

    with serve_in_thread() as mock:          # a free loopback port, real HTTP
        mock.write_target("mock.toml")       # everything a client needs to use it
"""

from .app import create_app
from .server import RunningMock, serve_in_thread
from .settings import MockSettings

__all__ = ["MockSettings", "RunningMock", "create_app", "serve_in_thread"]
