"""The conformance suite: tests that read like the contract, run against any target."""
