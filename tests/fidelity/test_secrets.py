"""Nothing secret is written: no token, client secret or SAS signature used in a run appears
in any recorded or report file, even when the target echoes them back.

The mock runs in this process, so every secret of the run can be collected: the target
file's own (`Target.secrets()`), every token the mock mints, every signature it puts into
a link. A patched mock leaks some of them in its answers, to prove they are scrubbed
rather than merely never sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from conformance.mock import blobs as mock_blobs
from conformance.mock import image_routes as mock_image_routes
from conformance.mock import tokens as mock_tokens
from conformance.targets import load_target
from tests.fidelity.fidelity_testkit import (
    SELECTION,
    StartMock,
    WriteTarget,
    read_tree,
    run_suite,
)

pytest_plugins = ["tests.fidelity.fidelity_fixtures"]


@dataclass
class Seen:
    """Every secret value of one run."""

    tokens: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    target: list[str] = field(default_factory=list)

    def values(self) -> set[str]:
        found = set(self.tokens) | set(self.target)
        for signature in self.signatures:
            found |= {signature, quote(signature, safe=""), quote_plus(signature)}
        return found


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    """Collects the tokens and signatures the mock makes; its answers echo some of them."""
    collected = Seen()
    mint, sign, body = (mock_tokens.TokenIssuer.mint, mock_blobs.SasSigner._signature,
                        mock_image_routes.image_body)

    def minting(self: Any, *args: Any, **kwargs: Any) -> str:
        collected.tokens.append(mint(self, *args, **kwargs))
        return collected.tokens[-1]

    def signing(self: Any, *args: Any) -> str:
        collected.signatures.append(sign(self, *args))
        return collected.signatures[-1]

    def leaking(*args: Any) -> dict[str, Any]:
        answer = body(*args)
        answer["image"]["debug"] = {
            "secret": collected.target[0], "token": collected.tokens[-1],
            "note": f"signed with sig={collected.signatures[-1]} for Bearer "
                    f"{collected.tokens[-1]}"}
        return answer

    monkeypatch.setattr(mock_tokens.TokenIssuer, "mint", minting)
    monkeypatch.setattr(mock_blobs.SasSigner, "_signature", signing)
    monkeypatch.setattr(mock_image_routes, "image_body", leaking)
    yield collected


class TestNothingSecretIsWritten:
    def test_in_recordings_reports_or_output(self, seen: Seen, start_mock: StartMock,
                                             write_target: WriteTarget,
                                             tmp_path: Path) -> None:
        target = write_target(start_mock())
        seen.target = load_target(target).secrets()
        recorded = run_suite(target, SELECTION, f"--record={tmp_path / 'rec'}",
                             junit=tmp_path / "record.xml")
        compared = run_suite(target, SELECTION, f"--compare={tmp_path / 'rec'}",
                             f"--fidelity-report={tmp_path / 'report'}",
                             junit=tmp_path / "compare.xml")
        assert recorded.returncode == 0, recorded.output
        assert compared.returncode == 0, compared.output

        files = {**read_tree(tmp_path / "rec"), **read_tree(tmp_path / "report")}
        assert {"fidelity.json", "fidelity.md", "fidelity.html"} <= set(files)
        # The leak was exercised: the echoed fields were recorded, scrubbed.
        assert '"secret": "[REDACTED]"' in files["test_lifecycle.json"]
        assert "signed with sig=[REDACTED] for Bearer [REDACTED]" in files["test_lifecycle.json"]
        # Every kind of secret of this run was there to be leaked.
        assert len(seen.target) >= 5 and seen.tokens and seen.signatures
        for value in seen.values():
            for name, text in files.items():
                assert value not in text, f"a secret of the run is in {name}"
            assert value not in recorded.output + compared.output
