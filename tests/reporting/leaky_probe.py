"""Not a test of this project: a probe the redaction tests run through the suite's plugin.

It fails on purpose, quoting org_admin's real token in its assertion message and printing it
to captured output, as a careless test might. No report file may show the token.
(Not collected by the project's own test run: the name does not start with test_.)
"""

from conformance.targets import Target


def test_failure_quoting_a_token(target: Target) -> None:
    persona = target.persona("org_admin")
    assert persona is not None
    token = persona.access_token()
    print(f"captured output with the token: {token}")
    assert token == "", f"sent Authorization: Bearer {token} and got nothing back"
