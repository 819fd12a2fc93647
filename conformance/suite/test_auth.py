"""Authentication: every operation refuses a missing, malformed, forged or unfit token with
401 and the catalogue's code and message, and a refused write changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance.client import ApiClient
from conformance.control_client import MockControl
from conformance.targets import Profile, Target

from .calls import SHORT_NAMES, WRITES, call
from .checks import assert_error, assert_status, error_of
from .stored import Reader, assert_unchanged, ensure_baseline
from .tokens import is_jwt, tampered, unsigned

pytestmark = [pytest.mark.auth]

Headers = dict[str, str | None]


@pytest.fixture(params=[pytest.param(op, id=SHORT_NAMES[op],
                                     marks=[pytest.mark.destructive] * (op in WRITES))
                        for op in sorted(SHORT_NAMES, key=SHORT_NAMES.__getitem__)])
def operation(request: pytest.FixtureRequest) -> str:
    """Each operation, by its contract id (its test id is the short name); the writes need a
    target that allows them."""
    return str(request.param)


@pytest.fixture
def attempt(operation: str, anonymous: ApiClient, admin: ApiClient, profile: Profile,
            request: pytest.FixtureRequest) -> Iterator[Callable[..., httpx.Response]]:
    """Call `operation` on an iTwin; a write goes to the scratch iTwin, which must be
    unchanged afterwards, a read to any iTwin the target lets the suite read."""
    writes = operation in WRITES
    itwin_id = str(request.getfixturevalue("scratch_itwin" if writes else "readable_itwin"))
    reader = Reader(admin, profile)
    before = ensure_baseline(reader, itwin_id) if writes else None
    calls: list[str] = []

    def attempt_with(headers: Headers | None = None, *, auth: bool = True) -> httpx.Response:
        calls.append(operation)
        return call(anonymous, operation, itwin_id, headers, auth=auth)

    yield attempt_with
    if calls and before is not None:
        assert_unchanged(reader, itwin_id, before)


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def valid_jwt(target: Target) -> str:
    """org_admin's real token, as the base of forgeries."""
    persona = target.persona("org_admin")
    if persona is None:
        pytest.skip("persona org_admin is not in the target")
    token = persona.access_token()
    if not is_jwt(token):
        pytest.skip("org_admin's token is not a JWT; cannot forge variants of it")
    return token


class TestHeader:
    @pytest.mark.documented
    def test_missing_is_header_not_found(self, attempt: Callable[..., httpx.Response]) -> None:
        assert_error(attempt(auth=False), 401, "HeaderNotFound")

    @pytest.mark.documented
    def test_empty_is_invalid_header_value(self,
                                           attempt: Callable[..., httpx.Response]) -> None:
        assert_error(attempt({"Authorization": ""}), 401, "InvalidHeaderValue")

    # Observed for the header value "invalid-token", whose message names it as the scheme.
    @pytest.mark.observed
    def test_bare_token_is_invalid_authorization_scheme(
            self, attempt: Callable[..., httpx.Response]) -> None:
        assert_error(attempt({"Authorization": "invalid-token"}), 401,
                     "InvalidAuthorizationScheme", scheme="invalid-token")

    # Other schemes get the same code; how their message names them was not seen.
    @pytest.mark.observed
    @pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNzd29yZA==", "Baerer abc.def.ghi"],
                             ids=["basic", "misspelt-bearer"])
    def test_other_scheme_is_invalid_authorization_scheme(
            self, attempt: Callable[..., httpx.Response], value: str) -> None:
        response = attempt({"Authorization": value})
        assert_status(response, 401)
        assert error_of(response)["code"] == "InvalidAuthorizationScheme", (
            f"{value.split()[0]}: expected code InvalidAuthorizationScheme, got "
            f"{error_of(response)['code']}")


@pytest.mark.documented
class TestForgedTokens:
    def test_garbage_token_is_unauthorized(self,
                                           attempt: Callable[..., httpx.Response]) -> None:
        assert_error(attempt(bearer("not-a-token")), 401, "Unauthorized")

    def test_tampered_signature_is_unauthorized(self, attempt: Callable[..., httpx.Response],
                                                valid_jwt: str) -> None:
        assert_error(attempt(bearer(tampered(valid_jwt))), 401, "Unauthorized")

    def test_unsigned_token_is_unauthorized(self, attempt: Callable[..., httpx.Response],
                                            valid_jwt: str) -> None:
        assert_error(attempt(bearer(unsigned(valid_jwt))), 401, "Unauthorized")


@dataclass(frozen=True)
class UnfitToken:
    """A token the target can supply as a token-only persona, or the mock can mint."""

    persona: str
    mint: dict[str, Any]
    code: str


UNFIT = {
    "expired": UnfitToken("expired", {"expires_in": -600}, "Unauthorized"),
    "no-scope": UnfitToken("no_scope", {"scope": "openid profile"}, "RequiredScopeMissing"),
}


def unfit_token(unfit: UnfitToken, target: Target, request: pytest.FixtureRequest) -> str:
    persona = target.persona(unfit.persona)
    if persona is not None:
        return persona.access_token()
    if not target.is_mock:
        pytest.skip(f"target has no {unfit.persona} persona and cannot mint one")
    control: MockControl = request.getfixturevalue("mock_control")
    return control.mint_token("org_admin", **unfit.mint)


@pytest.mark.documented
class TestUnfitTokens:
    @pytest.mark.parametrize("name", sorted(UNFIT))
    def test_is_refused_with_its_code(self, attempt: Callable[..., httpx.Response],
                                      target: Target, request: pytest.FixtureRequest,
                                      name: str) -> None:
        unfit = UNFIT[name]
        assert_error(attempt(bearer(unfit_token(unfit, target, request))), 401, unfit.code)


# Claims only the mock can mint: each breaks one check a real service must make.
MINTED: dict[str, dict[str, Any]] = {
    "not-yet-valid": {"not_before_in": 600},
    "wrong-issuer": {"issuer": "https://ims.example.invalid"},
    "wrong-audience": {"audience": "some-other-api"},
    "hs256": {"algorithm": "HS256"},
}


@pytest.mark.mock_only
@pytest.mark.documented
class TestMintedTokens:
    @pytest.mark.parametrize("name", sorted(MINTED))
    def test_is_unauthorized(self, attempt: Callable[..., httpx.Response],
                             mock_control: MockControl, name: str) -> None:
        token = mock_control.mint_token("org_admin", **MINTED[name])
        assert_error(attempt(bearer(token)), 401, "Unauthorized")

    def test_a_correctly_minted_token_works(self, mock_control: MockControl,
                                            anonymous: ApiClient, readable_itwin: str) -> None:
        """The control: the same minting with nothing broken is accepted."""
        token = mock_control.mint_token("org_admin")
        response = anonymous.get_itwin(readable_itwin, headers=bearer(token))
        assert response.status_code == 200
