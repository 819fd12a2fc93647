"""One TLS context for every HTTP client of a process.

httpx builds a new context for each client it creates, loading the CA bundle each time
(about 20 ms); a run creates a dozen clients (personas, blobs, the control API, tokens), so
they share this one. Built on first use, with httpx's own defaults (certifi's bundle, or
SSL_CERT_FILE / SSL_CERT_DIR where set).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
