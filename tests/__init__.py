"""The test suite; `tests.support` holds what several modules share."""
