"""Which owner change a replica applies: a greater version only; unversioned ones in order."""

from __future__ import annotations

import pytest

from services.common.replicas import is_newer


@pytest.mark.parametrize(
    ("incoming", "stored", "applied"),
    [
        (1, None, True),  # first news of the record
        (3, 2, True),
        (2, 3, False),  # an older change arriving late
        (3, 3, False),  # the same change again
        (0, None, True),  # published before versions existed
        (0, 0, True),  # ... applied in arrival order until a versioned one came
        (0, 4, False),
        (1, 0, True),
    ],
)
def test_only_a_greater_version_is_applied(incoming, stored, applied):
    assert is_newer(incoming, stored) is applied
