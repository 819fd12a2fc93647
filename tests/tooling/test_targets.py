"""Target files: parsing, ${ENV} interpolation, personas and token caching, no leaks."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import httpx
import pytest

from conformance.targets import CasePin, Persona, Secret, TargetError, load_target, parse_target

TARGET = """
name = "staging"
base_url = "https://qa-api.bentley.com/itwins/"
destructive = true
[itwins]
shared = "abc"
[personas.org_admin]
token = "${ADMIN_TOKEN}"
[personas.member_modify]
client_id = "app"
client_secret = "${MODIFY_SECRET}"
token_url = "https://qa-ims.bentley.com/connect/token"
[profile]
max_image_bytes = 5242880
"""
ENV = {"ADMIN_TOKEN": "tok-admin-123", "MODIFY_SECRET": "very-secret-456"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(textwrap.dedent(text))
    return path


class TestLoad:
    def test_reads_every_section(self, tmp_path: Path) -> None:
        target = load_target(write(tmp_path, TARGET), ENV)
        assert target.name == "staging"
        assert target.base_url == "https://qa-api.bentley.com/itwins"
        assert target.destructive is True
        assert target.itwins == {"shared": "abc"}
        assert target.profile.max_image_bytes == 5242880
        assert target.profile.oversize_status is None
        assert target.control_url is None and not target.is_mock
        assert set(target.personas) == {"org_admin", "member_modify"}
        assert target.personas["org_admin"].access_token() == "tok-admin-123"

    def test_a_mock_target_carries_its_control_secret_as_a_secret(self, tmp_path: Path) -> None:
        text = TARGET + ('[mock]\ncontrol_url = "http://127.0.0.1:9/__mock__"\n'
                         'control_secret = "${CONTROL_SECRET}"\n')
        target = load_target(write(tmp_path, text), ENV | {"CONTROL_SECRET": "ctl-secret-789"})
        assert target.is_mock and target.control_secret == Secret("ctl-secret-789")
        assert "ctl-secret-789" not in repr(target)
        assert "ctl-secret-789" in target.secrets()  # so every report redacts it

    def test_missing_variable_names_it(self, tmp_path: Path) -> None:
        with pytest.raises(TargetError, match="environment variable MODIFY_SECRET is not set"):
            load_target(write(tmp_path, TARGET), {"ADMIN_TOKEN": "x"})

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(TargetError, match="does not exist"):
            load_target(tmp_path / "nope.toml")

    def test_bad_toml(self, tmp_path: Path) -> None:
        with pytest.raises(TargetError, match="not valid TOML"):
            load_target(write(tmp_path, "base_url = "))

    def test_unknown_persona(self) -> None:
        with pytest.raises(TargetError, match="unknown persona"):
            parse_target({"base_url": "http://x/itwins", "personas": {"root": {"token": "t"}}})

    def test_incomplete_credentials(self) -> None:
        with pytest.raises(TargetError, match="missing: client_secret, token_url"):
            parse_target({"base_url": "http://x/itwins",
                          "personas": {"org_admin": {"client_id": "a"}}})

    def test_production_host_is_flagged(self) -> None:
        assert parse_target({"base_url": "https://api.bentley.com/itwins"}).is_production
        assert not parse_target({"base_url": "https://qa-api.bentley.com/itwins"}).is_production


class TestSecrets:
    def test_never_in_repr(self, tmp_path: Path) -> None:
        target = load_target(write(tmp_path, TARGET), ENV)
        text = repr(target) + str(target.personas)
        for secret in ENV.values():
            assert secret not in text
        assert sorted(target.secrets()) == sorted(ENV.values())

    def test_secret_compares_by_value(self) -> None:
        assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
        assert str(Secret("a")) == "Secret('***')"


class TestClientCredentials:
    def persona(self) -> Persona:
        return Persona("member_modify", client_id="app", client_secret=Secret("s3cr3t"),
                       token_url="https://ims.example/connect/token")

    def test_form_post_and_cache(self) -> None:
        calls: list[bytes] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request.content)
            return httpx.Response(200, json={"access_token": f"t{len(calls)}",
                                             "expires_in": 3600})

        http = httpx.Client(transport=httpx.MockTransport(handler))
        persona = self.persona()
        assert persona.access_token(http) == "t1"
        assert persona.access_token(http) == "t1"
        assert len(calls) == 1
        form = dict(pair.split("=") for pair in calls[0].decode().split("&"))
        assert form == {"grant_type": "client_credentials", "client_id": "app",
                        "client_secret": "s3cr3t", "scope": "itwin-platform"}

    def test_refreshes_shortly_before_expiry(self) -> None:
        count = iter(range(1, 10))

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"access_token": f"t{next(count)}",
                                             "expires_in": 30})

        http = httpx.Client(transport=httpx.MockTransport(handler))
        persona = self.persona()
        assert persona.access_token(http) == "t1"
        assert persona.access_token(http) == "t2"  # 30 s left is inside the margin

    def test_failure_does_not_show_the_secret(self) -> None:
        http = httpx.Client(transport=httpx.MockTransport(
            lambda request: httpx.Response(400, json={"error": "invalid_client"})))
        with pytest.raises(TargetError) as caught:
            self.persona().access_token(http)
        assert "s3cr3t" not in str(caught.value)
        assert "answered 400" in str(caught.value)


class TestProfile:
    def parse(self, profile: dict[str, object]) -> object:
        return parse_target({"base_url": "http://x/itwins", "profile": profile}).profile

    def test_pins_undetermined_cases(self) -> None:
        profile = self.parse({"non_member_status": 404,
                              "cases": {"type-gif": {"status": 415, "code": "Unsupported"}}})
        assert profile.non_member_status == 404  # type: ignore[attr-defined]
        assert profile.cases["type-gif"] == CasePin(415, "Unsupported")  # type: ignore

    @pytest.mark.parametrize(("profile", "message"), [
        ({"max_image_bytes": 6_000_000}, "from 5000000 to 5242880"),
        ({"oversize_status": 400}, "one of (413, 422)"),
        ({"non_member_statu": 403}, "unknown key"),
        ({"cases": {"x": {"status": 500}}}, "must be 201 or a 4xx"),
    ])
    def test_rejects_values_the_contract_rules_out(self, profile: dict[str, object],
                                                  message: str) -> None:
        with pytest.raises(TargetError, match=message.replace("(", r"\(").replace(")", r"\)")):
            self.parse(profile)


BASE = {"base_url": "http://x/itwins"}


class TestStrictKeys:
    """A misspelt key is a configuration error naming the key and the one meant: silently
    ignored, it would change what the run tests (no `destructive`, no `shared`)."""

    @pytest.mark.parametrize(("data", "message"), [
        ({"destuctive": True},
         "target: unknown key 'destuctive' (did you mean 'destructive'?); known: name, "
         "base_url, destructive, itwins, personas, profile, mock"),
        ({"profle": {"oversize_status": 413}},
         "target: unknown key 'profle' (did you mean 'profile'?)"),
        ({"itwins": {"shard": "abc"}},
         "target: itwins: unknown key 'shard' (did you mean 'shared'?); known: shared"),
        ({"personas": {"org_admn": {"token": "t"}}},
         "target: personas: unknown persona 'org_admn' (did you mean 'org_admin'?)"),
        ({"personas": {"member_read": {"token": "t", "scopes": "x"}}},
         "target: personas.member_read: unknown key 'scopes' (did you mean 'scope'?)"),
        ({"profile": {"oversize": 413}},
         "target: profile: unknown key 'oversize' (did you mean 'oversize_status'?)"),
        ({"profile": {"cases": {"type-gif": {"status": 422, "cod": "X"}}}},
         "target: profile.cases.type-gif: unknown key 'cod' (did you mean 'code'?); known: "
         "status, code"),
        ({"mock": {"control": "http://x/__mock__"}},
         "target: mock: unknown key 'control' (did you mean 'control_url'?)"),
        ({"colour": "blue"}, "target: unknown key 'colour'; known: "),
    ], ids=["top", "table", "itwins", "persona-name", "persona-key", "profile", "case", "mock",
            "nothing-close"])
    def test_an_unknown_key_names_itself_and_the_closest(self, data: dict[str, object],
                                                         message: str) -> None:
        with pytest.raises(TargetError) as caught:
            parse_target({**BASE, **data})
        assert str(caught.value).startswith(message)
        assert "\n" not in str(caught.value)

    def test_every_key_the_mock_writes_is_known(self) -> None:
        from conformance.mock import serve_in_thread

        with serve_in_thread() as mock:
            parsed = parse_target(tomllib.loads(mock.target_toml()))
        assert parsed.is_mock and parsed.destructive

    def test_the_mock_table_knows_control_secret(self) -> None:
        parsed = parse_target({**BASE, "mock": {"control_url": "http://x/__mock__",
                                                     "control_secret": "s"}})
        assert parsed.control_url == "http://x/__mock__"

    @pytest.mark.parametrize("value", ["true", 1])
    def test_destructive_must_be_a_boolean(self, value: object) -> None:
        with pytest.raises(TargetError, match="destructive must be true or false"):
            parse_target({**BASE, "destructive": value})
