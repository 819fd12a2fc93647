"""Every JSON field, query parameter and form field the mock reads, fuzzed at the edge.

Values a naive parser trips on: lone surrogates (valid JSON escapes, not encodable text),
digits of other scripts (`"²".isdigit()` is true, `int("²")` fails), numbers too large for
`int()` or a float, NaN and infinities, deep and odd shapes. Whatever arrives, the mock
answers in its error model without a 5xx, a refused request stores nothing, and what it
did store can still be listed (a stored lone surrogate once broke `GET /itwins`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conformance.contract import CREATE_ITWIN, LIST_ITWINS
from conformance.mock import choices
from tests.mock.mock_testkit import Api, api_for, assert_conforms, png

pytest_plugins = ["tests.mock.mock_fixtures"]

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Number tokens json.dumps cannot write (or writes as a float Python reads back as inf).
RAW_NUMBERS = ("1e999", "-1e999", "1" + "0" * 5000, "-" + "9" * 4400, "1E400", "0.1e-999")
OTHER_DIGITS = "²³¹٣۳߃०০੦૦୦௦౦೦൦๐໐༠၀႐០᠐᥆᧐᪀᪐᭐᮰᱀᱐꘠꣐꤀꧐꩐꯰０①⑴⒈"
SURROGATE_TEXT = st.builds(lambda a, s, b: a + s + b, st.text(max_size=4),
                           st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2),
                           st.text(max_size=4))
DIGIT_TEXT = st.one_of(st.text(alphabet=OTHER_DIGITS, min_size=1, max_size=4),
                       st.text(st.characters(categories=["Nd", "No"]), min_size=1,
                               max_size=4))
ODD_TEXT = st.sampled_from(["", " ", "0", "-1", "1.5", "NaN", "Infinity", "9" * 5000,
                            "1" + "0" * 30, "\x00", "x" * 300])
TEXT = st.one_of(SURROGATE_TEXT, DIGIT_TEXT, ODD_TEXT, st.text(max_size=20))


class Raw(str):
    """A number token spliced into the JSON text as is (see `encode`)."""


NUMBERS = st.one_of(
    st.integers(), st.integers(min_value=10**18), st.integers(max_value=-10**18),
    st.floats(), st.sampled_from(RAW_NUMBERS).map(Raw))
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6)
# What a field gets when it is the one fuzzed: each kind of trouble about equally often.
NASTY = st.one_of(SURROGATE_TEXT, DIGIT_TEXT, NUMBERS, ODD_TEXT, VALUES)


def encode(body: Any) -> bytes:
    """JSON text with lone surrogates escaped (json.dumps keeps them as \\udxxx escapes,
    which is valid JSON) and each `Raw` token in place of its placeholder."""
    raws: list[str] = []

    def placeholders(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(str(value))
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(value, dict):
            return {k: placeholders(v) for k, v in value.items()}
        if isinstance(value, list):
            return [placeholders(v) for v in value]
        return value

    text = json.dumps(placeholders(body))
    for i, token in enumerate(raws):
        text = text.replace(f'"@@raw{i}@@"', token)
    return text.encode("ascii")


def body_of(valid: dict[str, Any], known: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """A valid body with one field (or an unknown key) given a nasty value, sometimes a
    field dropped; now and then a body that is not an object at all."""
    def build(name: str, value: Any, dropped: list[str]) -> Any:
        body = {key: v for key, v in valid.items() if key not in dropped}
        return body | {name: value}

    names = st.one_of(st.sampled_from(known), st.sampled_from(known), TEXT)
    objects = st.builds(build, names, NASTY, st.lists(st.sampled_from(list(valid)),
                                                      max_size=1))
    return st.one_of(objects, objects, objects, VALUES)


def in_query(text: str) -> str:
    """Percent-encoded as a client would, a lone surrogate as the bytes UTF-8 would give it
    (which no UTF-8 decoder accepts)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query_of(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """A query (or form) string: known names with nasty values, odd names, raw escapes."""
    value = st.one_of(NASTY.map(lambda v: in_query(v if isinstance(v, str) else json.dumps(v))),
                      st.sampled_from(["%ED%A0%80", "%FF", "%C0%AF", "%", "%zz", "+",
                                       "%2B%00"]))
    name = st.one_of(st.sampled_from(names), st.sampled_from(names), TEXT.map(in_query))
    pairs = st.lists(st.tuples(name, value), min_size=1, max_size=3)
    return pairs.map(lambda items: "&".join(f"{n}={v}" for n, v in items))


def no_server_error(reply: Any) -> None:
    event(f"status {reply.status_code}")  # --hypothesis-show-statistics: what was reached
    assert reply.status_code < 500, reply.text


@pytest.fixture(scope="module")
def steered() -> Iterator[Api]:
    """A mock of its own for fuzzing the control API: its faults must hit no other test."""
    yield from api_for()


NEW_ITWIN = {"displayName": "Fuzzed", "class": "Endeavor", "subClass": "Project",
             "number": "n", "type": "t", "status": "Active"}
ITWIN_FIELDS = ("displayName", "class", "subClass", "number", "type", "status", "id")
TOKEN = {"persona": "org_admin", "expires_in": 60, "not_before_in": 0,
         "scope": "itwin-platform", "issuer": None, "audience": None, "algorithm": "RS256",
         "claims": {}}
FAULT = {"status": 429, "count": 1, "retry_after": 0, "latency_ms": 0, "method": "GET",
         "path_prefix": "/itwins/none"}


class TestCreateITwinBody:
    @FUZZ
    @given(body=body_of(NEW_ITWIN, ITWIN_FIELDS), number=st.uuids())
    def test_no_5xx_and_a_refusal_stores_nothing(self, api: Api, body: Any,
                                                  number: Any) -> None:
        if isinstance(body, dict) and body.get("number") == "n":
            body["number"] = str(number)  # a valid number is unique
        before = len(api.mock.state.world.itwins)
        reply = api.http.post(api.mock.base_url, content=encode(body),
                              headers=api.auth() | {"Content-Type": "application/json"})
        no_server_error(reply)
        assert_conforms(CREATE_ITWIN, reply)
        if reply.status_code == 201:
            created = reply.json()["iTwin"]["id"]
            listed = api.http.get(api.mock.base_url, headers=api.auth())
            assert listed.status_code == 200, listed.text
            assert_conforms(LIST_ITWINS, listed)
            assert api.http.delete(api.url(created, image=False),
                                   headers=api.auth()).status_code == 204
        else:
            assert len(api.mock.state.world.itwins) == before


class TestControlBodies:
    @FUZZ
    @given(body=body_of(TOKEN, tuple(TOKEN)))
    def test_tokens(self, steered: Api, body: Any) -> None:
        reply = steered.control("POST", "/tokens", content=encode(body),
                                headers={"Content-Type": "application/json"})
        no_server_error(reply)
        if reply.status_code == 200:  # whatever it minted, the API refuses or serves it
            token = reply.json()["access_token"]
            used = steered.http.get(steered.url(steered.shared, image=False),
                                    headers={"Authorization": f"Bearer {token}"})
            no_server_error(used)
        else:
            assert_conforms(None, reply)

    @FUZZ
    @given(body=body_of(FAULT, tuple(FAULT)))
    def test_faults(self, steered: Api, body: Any) -> None:
        before = len(steered.mock.state.faults._faults)
        reply = steered.control("POST", "/faults", content=encode(body),
                                headers={"Content-Type": "application/json"})
        no_server_error(reply)
        if reply.status_code == 201:
            assert steered.control("DELETE", "/faults").status_code == 204
        else:
            assert_conforms(None, reply)
            assert len(steered.mock.state.faults._faults) == before


class TestQueries:
    @FUZZ
    @given(query=query_of(("$top", "$skip", "$search")))
    def test_list_itwins(self, api: Api, query: str) -> None:
        reply = api.http.get(f"{api.mock.base_url}?{query}", headers=api.auth())
        no_server_error(reply)
        assert_conforms(LIST_ITWINS, reply)

    @FUZZ
    @given(query=query_of(("sv", "sr", "sig", "se", "sp")), which=st.sampled_from(
        ["smallImageUrl", "largeImageUrl"]))
    def test_blob_links(self, api: Api, blob_url: dict[str, str], query: str,
                        which: str) -> None:
        link = blob_url[which]
        base, _, _query = link.partition("?")
        for url in (f"{base}?{query}", f"{link}&{query}"):
            reply = api.http.get(url)
            no_server_error(reply)
            assert reply.status_code in (200, 403, 404), reply.text

    @FUZZ
    @given(form=query_of(("grant_type", "client_id", "client_secret", "scope")))
    def test_token_form(self, api: Api, form: str) -> None:
        reply = api.http.post(f"{api.mock.origin}/connect/token", content=form.encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        no_server_error(reply)
        assert reply.status_code in (200, 400, 401), reply.text


@pytest.fixture(scope="module")
def blob_url(api: Api) -> dict[str, str]:
    itwin = api.new_itwin()
    reply = api.upload(itwin, png())
    assert reply.status_code == 201, reply.text
    links: dict[str, str] = reply.json()["image"]
    return links


class TestTheHolesFound:
    """The inputs a review found answering 500, each now refused in the error model."""

    @pytest.mark.parametrize("top", ["²", "٣", "\uff11\uff10", "9" * 5000, "1" + "0" * 30])
    def test_top_in_other_digits_or_huge(self, api: Api, top: str) -> None:
        reply = api.http.get(api.mock.base_url, params={"$top": top}, headers=api.auth())
        assert reply.status_code == 422, reply.text
        assert reply.json() == choices.INVALID_LIST_REQUEST.body([choices.invalid_property(
            "$top", "must be a whole number from 1 to 1000.")])

    @pytest.mark.parametrize("name", ["displayName", "number", "type"])
    def test_a_lone_surrogate_is_refused_and_not_stored(self, api: Api, name: str) -> None:
        before = len(api.mock.state.world.itwins)
        body = NEW_ITWIN | {"number": f"surrogate-{name}", name: "x\ud800"}
        reply = api.http.post(api.mock.base_url, content=encode(body),
                              headers=api.auth() | {"Content-Type": "application/json"})
        assert reply.status_code == 422, reply.text
        assert reply.json() == choices.CANNOT_CREATE_ITWIN.body([choices.UNREPRESENTABLE])
        assert len(api.mock.state.world.itwins) == before
        for persona in ("org_admin", "member_modify"):
            assert api.http.get(api.mock.base_url, headers=api.auth(persona)
                                ).status_code == 200

    @pytest.mark.parametrize("body", [{"persona": "org_admin", "\udfff": 1},
                                      {"persona": "org_admin", "claims": {"exp": Raw("1e999")}},
                                      {"persona": "org_admin", "issuer": "\ud800"}])
    def test_control_bodies_the_mock_cannot_hold(self, steered: Api, body: Any) -> None:
        reply = steered.control("POST", "/tokens", content=encode(body),
                                headers={"Content-Type": "application/json"})
        assert reply.status_code == 422, reply.text
        assert reply.json() == choices.INVALID_CONTROL_REQUEST.body([choices.UNREPRESENTABLE])
