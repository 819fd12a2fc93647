"""Redaction: the target's secrets and every token-shaped value are scrubbed, and a writer
refuses text in which one survived."""

from __future__ import annotations

import pytest

from conformance.fidelity.redact import REDACTED, LeakError, Redactor, checked

SECRET = "s3cr3t-Client+Secret/value"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


class TestSecrets:
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
        assert Redactor().text(f"token {JWT}.") == f"token {REDACTED}."

    def test_unsigned_jwt(self) -> None:
        unsigned = JWT.rsplit(".", 1)[0] + "."
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
        once = Redactor([SECRET]).text(f"{SECRET} {JWT} sig=x Bearer y")
        assert Redactor([SECRET]).text(once) == once


class TestLeakCheck:
    @pytest.mark.parametrize(("text", "kind"), [
        (f"x {SECRET} y", "a secret of the target"),
        (JWT, "a JWT"),
        ("?sig=abc", "a SAS signature"),
        ("bearer abc", "a bearer token"),
    ])
    def test_each_kind_is_found_and_named_without_its_value(self, text: str,
                                                            kind: str) -> None:
        with pytest.raises(LeakError) as caught:
            checked(Redactor([SECRET]), text, "out.json")
        assert kind in str(caught.value)
        assert SECRET not in str(caught.value) and JWT not in str(caught.value)

    def test_clean_text_passes(self) -> None:
        clean = Redactor([SECRET]).text(f"{SECRET} {JWT} sig=x Bearer y")
        assert checked(Redactor([SECRET]), clean, "out.json") == clean
