"""Redaction (conformance.redact, shared by fidelity and reporting): secrets, tokens and
signatures leave no trace, image data survives a whole-file sweep, and a writer refuses
text in which one survived."""

from __future__ import annotations

import base64
import html
import io
import json
from urllib.parse import quote, quote_plus

import pytest
from PIL import Image

from conformance.redact import REDACTED, LeakError, Redactor, checked
from conformance.run_secrets import scrubbed

JWT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcmctYWRtaW4iLCJzY29wZSI6Iml0d2lu"
       "LXBsYXRmb3JtIn0.c2lnbmF0dXJlLWJ5dGVzLXRoYXQtbXVzdC1uZXZlci1sZWFr")
SIG = "q3Zk%2B9xJf0aB%2FcdEf1234567890abcdEFGH%3D"
SAS_URL = (f"http://127.0.0.1:8080/blobs/context-thumbnails/small_1.png?sv=2024-08-04&sr=b"
           f"&sig={SIG}&se=2030-01-01T00%3A00%3A00Z&sp=r")


class TestSecretsByValue:
    def test_each_known_secret_is_removed(self) -> None:
        redactor = Redactor.of(["s3cr3t-client-secret", "opaque-static-token-42"])
        text = "client_secret=s3cr3t-client-secret; token opaque-static-token-42 here"
        cleaned = redactor.text(text)
        assert "s3cr3t" not in cleaned and "opaque-static" not in cleaned
        assert cleaned.count(REDACTED) == 2

    def test_a_secret_containing_another_goes_whole(self) -> None:
        redactor = Redactor.of(["abcdefgh", "abcdefgh-long"])
        assert redactor.text("x abcdefgh-long y") == f"x {REDACTED} y"

    def test_placeholder_secrets_do_not_shred_the_text(self) -> None:
        """A test target's token "t" must not turn "target" into "[REDACTED]arge[REDACTED]"."""
        redactor = Redactor.of(["", "t", "1234567"])
        assert redactor.secrets == ()
        assert redactor.text("target http://127.0.0.1:9/itwins") == (
            "target http://127.0.0.1:9/itwins")


class TestShapes:
    def test_a_jwt_is_removed_wherever_it_is(self) -> None:
        for text in (JWT, f"token={JWT}&x=1", f"'Authorization': 'Bearer {JWT}'",
                     f"{JWT[:-10]}.", f"<td>{JWT}</td>"):
            cleaned = Redactor().text(text)
            assert "eyJzdWIi" not in cleaned and "c2lnbmF0dXJl" not in cleaned, cleaned

    def test_an_unsigned_jwt_is_removed(self) -> None:
        header, payload, _ = JWT.split(".")
        assert "eyJzdWIi" not in Redactor().text(f"Bearer {header}.{payload}.")

    def test_an_opaque_bearer_credential_is_removed(self) -> None:
        cleaned = Redactor().text("Authorization: Bearer 0paqueT0kenValue_xyz")
        assert cleaned == f"Authorization: Bearer {REDACTED}"

    def test_prose_about_bearer_tokens_is_left_alone(self) -> None:
        text = "fetched without the bearer token"
        assert Redactor().text(text) == text

    def test_a_sas_signature_is_removed_and_the_link_kept(self) -> None:
        cleaned = Redactor().text(SAS_URL)
        assert SIG not in cleaned
        assert f"sig={REDACTED}&se=2030" in cleaned
        assert cleaned.startswith("http://127.0.0.1:8080/blobs/context-thumbnails/small_1.png")

    def test_a_signature_in_html_escaped_and_json_text_is_removed(self) -> None:
        for text in (SAS_URL.replace("&", "&amp;"), f'{{"smallImageUrl": "{SAS_URL}"}}'):
            assert SIG not in Redactor().text(text)


class TestLeaks:
    def test_clean_text_has_none(self) -> None:
        redactor = Redactor.of(["the-secret"])
        assert redactor.leaks(redactor.text(f"the-secret {JWT} {SAS_URL} Bearer abcdefghij")) == []


    @pytest.mark.parametrize(("text", "kind"), [
        ("x the-secret y", "a secret of the target"), (JWT, "a JWT"),
        ("Bearer abcdefghijkl", "a bearer credential"), (SAS_URL, "a SAS signature")])
    def test_each_kind_is_found_and_named_without_its_value(self, text: str, kind: str) -> None:
        found = Redactor.of(["the-secret"]).leaks(text)
        assert found == [kind] or kind in found
        assert not any("the-secret" in f for f in found)


class TestImageData:
    """A whole-file sweep must not corrupt the report's inline images."""

    @pytest.mark.parametrize("seed", range(20))
    def test_data_uris_pass_through_unchanged(self, seed: int) -> None:
        image = Image.effect_noise((96, 96), 64 + seed).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
        page = f'<img src="{uri}"><a href="{SAS_URL}">link</a>'
        cleaned = Redactor().text(page)
        assert uri in cleaned
        assert SIG not in cleaned


SECRET = "s3cr3t-Client+Secret/value"
SHORT_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


class TestSecretForms:
    def test_a_secret_is_scrubbed_anywhere_in_text(self) -> None:
        assert Redactor([SECRET]).text(f"before {SECRET} after") == f"before {REDACTED} after"

    def test_url_encoded_forms_too(self) -> None:
        secret = "s3cr3t Client+Secret/value"
        for encoded in ("s3cr3t%20Client%2BSecret%2Fvalue", "s3cr3t+Client%2BSecret%2Fvalue"):
            text = f"client_secret={encoded}&x=1"
            assert Redactor([secret]).text(text) == f"client_secret={REDACTED}&x=1"

    def test_in_keys_and_values_of_a_tree(self) -> None:
        tree = {SECRET: [SECRET, {"k": f"x{SECRET}"}], "n": 1}
        assert Redactor([SECRET]).tree(tree) == {REDACTED: [REDACTED, {"k": f"x{REDACTED}"}],
                                                 "n": 1}

    def test_short_values_are_not_treated_as_secrets(self) -> None:
        assert Redactor(["abc"]).text("abcdef") == "abcdef"


class TestTokenShapes:
    def test_jwt(self) -> None:
        assert Redactor().text(f"token {SHORT_JWT}.") == f"token {REDACTED}."

    def test_unsigned_jwt(self) -> None:
        unsigned = SHORT_JWT.rsplit(".", 1)[0] + "."
        assert Redactor().text(unsigned) == REDACTED

    def test_sas_signature(self) -> None:
        text = "https://a.blob.core.windows.net/c/b.png?sv=1&sig=AbC%2Bd%3D&se=2"
        assert Redactor().text(text) == \
            f"https://a.blob.core.windows.net/c/b.png?sv=1&sig={REDACTED}&se=2"

    def test_bearer(self) -> None:
        assert Redactor().text("Authorization: Bearer opaque.token-1") == \
            f"Authorization: Bearer {REDACTED}"

    def test_words_that_merely_contain_sig_are_kept(self) -> None:
        assert Redactor().text("design=1&assign=2") == "design=1&assign=2"

    def test_redacting_twice_changes_nothing(self) -> None:
        once = Redactor([SECRET]).text(f"{SECRET} {SHORT_JWT} sig=x Bearer y")
        assert Redactor([SECRET]).text(once) == once


class TestLeakCheck:
    @pytest.mark.parametrize(("text", "kind"), [
        (f"x {SECRET} y", "a secret of the target"),
        (SHORT_JWT, "a JWT"),
        ("?sig=abc", "a SAS signature"),
        ("bearer abcdefghij", "a bearer credential"),
    ])
    def test_each_kind_is_found_and_named_without_its_value(self, text: str,
                                                            kind: str) -> None:
        with pytest.raises(LeakError) as caught:
            checked(Redactor([SECRET]), text, "out.json")
        assert kind in str(caught.value)
        assert SECRET not in str(caught.value) and SHORT_JWT not in str(caught.value)

    def test_clean_text_passes(self) -> None:
        clean = Redactor([SECRET]).text(f"{SECRET} {SHORT_JWT} sig=x Bearer y")
        assert checked(Redactor([SECRET]), clean, "out.json") == clean


ODD = "sp3cial/Secret+with=\"quotes\"&<tags>'\u00e9"


def base64_inside(prefix: str, secret: str, urlsafe: bool = False) -> str:
    """`secret` base64-encoded inside a longer value (as HTTP Basic's `id:secret` is)."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(f"{prefix}{secret}-tail".encode()).decode()


class TestEveryEncoding:
    """A target or a writer may show a secret in any of these forms; each is removed."""

    @pytest.mark.parametrize("form", [
        ODD, quote(ODD, safe=""), quote(ODD), quote_plus(ODD),
        json.dumps(ODD)[1:-1], json.dumps(ODD, ensure_ascii=False)[1:-1],
        json.dumps(ODD)[1:-1].replace("/", "\\/"), json.dumps(json.dumps(ODD)[1:-1])[1:-1],
        html.escape(ODD), html.escape(json.dumps(ODD)[1:-1]),
        html.escape(ODD).replace("&#x27;", "&apos;")],
        ids=["raw", "url", "url-path", "url-form", "json", "json-unicode", "json-slash",
             "json-twice", "html", "html-json", "xml"])
    def test_as_text(self, form: str) -> None:
        cleaned = Redactor([ODD]).text(f"before {form} after")
        assert cleaned == f"before {REDACTED} after"

    @pytest.mark.parametrize("prefix", ["", "a", "ab", "client-id:"])
    @pytest.mark.parametrize("urlsafe", [False, True])
    def test_in_base64_at_any_alignment(self, prefix: str, urlsafe: bool) -> None:
        secret = "opaque/T0ken+?>=with~bits"
        encoded = base64_inside(prefix, secret, urlsafe)
        cleaned = Redactor([secret]).text(f"Basic {encoded}")
        assert REDACTED in cleaned
        whole = base64.b64encode(secret.encode()).decode()[2:-2]
        assert not any(whole[i:i + 8] in cleaned for i in range(len(whole) - 8))

    def test_image_data_is_still_left_alone(self) -> None:
        buffer = io.BytesIO()
        Image.effect_noise((64, 64), 80).convert("RGB").save(buffer, "PNG")
        uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        assert Redactor([ODD, "another-secret-value"]).text(uri) == uri


class TestSecretsLearnedDuringTheRun:
    def test_a_token_obtained_after_the_redactor_was_made(self) -> None:
        obtained: list[str] = []
        redactor = Redactor(["static-secret-1"], source=lambda: obtained)
        assert redactor.text("late/opaque+token") == "late/opaque+token"
        obtained.append("late/opaque+token")
        assert redactor.text('{"t": "late\\/opaque+token"}') == f'{{"t": "{REDACTED}"}}'
        assert redactor.text("static-secret-1") == REDACTED


class TestPytestReports:
    def test_a_failure_representation_is_scrubbed_throughout(self) -> None:
        """What the terminal and junit.xml print: the traceback's lines, the crash line of
        the short summary, the locals."""
        def failing(token: str) -> None:
            assert token == "", f"the server echoed {json.dumps(token)[1:-1]}"

        secret = "echoed/opaque+token"
        with pytest.raises(AssertionError) as caught:
            failing(secret.replace("/", "\\/"))
        shown = caught.getrepr(showlocals=True, style="long")
        assert "echoed\\/opaque" in str(shown)
        cleaned = scrubbed(shown, Redactor([secret]))
        assert "opaque" not in str(cleaned)
        assert REDACTED in cleaned.reprcrash.message  # type: ignore[union-attr]
