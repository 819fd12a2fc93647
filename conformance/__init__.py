"""Conformance suite and mock for Bentley's iTwins image API."""

__version__ = "0.1.0"
