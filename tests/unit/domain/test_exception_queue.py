"""Resolving an exception needs a person's note and happens once."""
import pytest

from backend.domain.exception_queue import (ExceptionAlreadyResolved, InvalidResolution, check_resolution)


def test_a_resolution_keeps_the_trimmed_note():
    assert check_resolution(status="open", note="  Called the customer; parcel collected. ") == \
        "Called the customer; parcel collected."


@pytest.mark.parametrize("note", ["", "   ", None, "x" * 501])
def test_a_resolution_without_a_usable_note_is_refused_at_the_note(note):
    with pytest.raises(InvalidResolution) as raised:
        check_resolution(status="open", note=note)
    assert raised.value.field == "note" and raised.value.status == 422


def test_an_exception_is_resolved_only_once():
    with pytest.raises(ExceptionAlreadyResolved) as raised:
        check_resolution(status="resolved", note="me too")
    assert raised.value.status == 409
