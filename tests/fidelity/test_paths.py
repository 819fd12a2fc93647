"""JSON paths: how differences name their place and known differences name them back."""

from __future__ import annotations

import pytest

from conformance.fidelity.paths import PathSyntaxError, parse, render


class TestRender:
    def test_keys_and_indexes(self) -> None:
        assert render(("exchanges", 0, "response", "body", "json", "error", "code")) == \
            "exchanges[0].response.body.json.error.code"

    def test_header_names_need_no_quotes(self) -> None:
        assert render(("headers", "x-correlation-id")) == "headers.x-correlation-id"

    def test_odd_keys_are_quoted(self) -> None:
        assert render(("json", "a.b", "c d")) == 'json["a.b"]["c d"]'

    def test_root(self) -> None:
        assert render(()) == "$"


class TestParse:
    @pytest.mark.parametrize("text", ["exchanges[0].response.status",
                                      "$.exchanges[0].response.status"])
    def test_with_or_without_dollar(self, text: str) -> None:
        assert parse(text).covers(("exchanges", 0, "response", "status"))

    def test_quoted_key(self) -> None:
        assert parse('json["a.b"]').covers(("json", "a.b"))

    @pytest.mark.parametrize("text", ["", "$", "exchanges[x]", "a..", "a[0", "a.b c"])
    def test_unreadable(self, text: str) -> None:
        with pytest.raises(PathSyntaxError):
            parse(text)


class TestCovers:
    PATH = ("exchanges", 2, "response", "headers", "x-correlation-id")

    def test_exact(self) -> None:
        assert parse("exchanges[2].response.headers.x-correlation-id").covers(self.PATH)

    def test_everything_below(self) -> None:
        assert parse("exchanges[2].response").covers(self.PATH)

    def test_not_a_sibling(self) -> None:
        assert not parse("exchanges[2].request").covers(self.PATH)
        assert not parse("exchanges[1].response").covers(self.PATH)

    def test_not_above(self) -> None:
        assert not parse("exchanges[2].response.headers.x-correlation-id.more").covers(
            self.PATH)

    def test_any_index_and_any_key(self) -> None:
        assert parse("exchanges[*].*.headers.x-correlation-id").covers(self.PATH)
        assert not parse("exchanges[*].*.x-correlation-id").covers(self.PATH)

    @pytest.mark.parametrize("text", ["$..x-correlation-id", "**.x-correlation-id",
                                      "exchanges.**.headers"])
    def test_any_depth(self, text: str) -> None:
        assert parse(text).covers(self.PATH)

    def test_any_depth_still_needs_its_key(self) -> None:
        assert not parse("$..retry-after").covers(self.PATH)
