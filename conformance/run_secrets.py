"""The run's secrets, and the hooks that keep them out of what pytest itself writes.

Each test's exchanges and failure texts are redacted where they are recorded
(`conformance.evidence`), and report files and recordings again by their writers
(`conformance.reporting`, `conformance.fidelity`), all with `redactor_for` below. What
pytest shows on the terminal and hands to its JUnit writer comes from the test reports: a
failure's text, captured output, a skip reason, a warning. Those are redacted here, in the
process that ran the test, which alone knows every token its clients sent, before the
terminal, the JUnit writer or (under xdist) the controlling process sees them.

Loaded through `pytest_plugins` of `conformance.plugin`, so every run of the suite has it.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Generator
from typing import Any

import pytest

from . import session
from .redact import Redactor

_redactor = pytest.StashKey[Redactor]()


def secrets_of(config: pytest.Config) -> list[str]:
    """Every secret this process knows of: the target's (tokens, client secrets, the mock's
    control secret) and every token its persona clients have sent."""
    target = session.loaded_target(config)
    found = target.secrets() if target is not None else []
    for client in session.persona_clients(config):
        found.extend(client.tokens_sent)
    return found


def redactor_for(config: pytest.Config) -> Redactor:
    """The run's redactor; it learns each token as the clients obtain it."""
    if _redactor not in config.stash:
        config.stash[_redactor] = Redactor(source=lambda: secrets_of(config))
    return config.stash[_redactor]


def scrubbed(value: Any, redactor: Redactor) -> Any:
    """`value` with every string in it redacted: a string, a tuple or list of values, or one
    of pytest's report representations (dataclasses), changed in place."""
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, tuple):
        return tuple(scrubbed(item, redactor) for item in value)
    if isinstance(value, list):
        value[:] = [scrubbed(item, redactor) for item in value]
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            object.__setattr__(value, field.name,
                               scrubbed(getattr(value, field.name), redactor))
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ReportScrubber(config), "conformance-secrets")


class ReportScrubber:
    """Redacts each test report, and each warning, of the process it runs in."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A failure's text, a skip reason and captured output, redacted where made."""
        report = yield
        redactor = redactor_for(self.config)
        if report.longrepr is not None:
            report.longrepr = scrubbed(report.longrepr, redactor)
        report.sections = [(title, redactor.text(text)) for title, text in report.sections]
        return report

    @pytest.hookimpl(tryfirst=True)  # before the terminal, or xdist, takes it
    def pytest_warning_recorded(self, warning_message: warnings.WarningMessage) -> None:
        """A warning's text: a contract warning may quote a response."""
        text = str(warning_message.message)
        cleaned = redactor_for(self.config).text(text)
        if cleaned != text:
            try:
                warning_message.message = type(warning_message.message)(cleaned)
            except TypeError:  # a warning class that takes other arguments
                warning_message.message = UserWarning(cleaned)
