"""Error pages speak to the person who followed the link, in the app's frame, and never as a bare server message."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_a_page_that_does_not_exist_says_so_in_plain_words_with_a_way_back(client, world, who):
    sign_in(client, world.emails[who])
    response = client.get("/no/such/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We can&#39;t find that page" in body or "We can't find that page" in body
    assert "The link may be old" in body and "requested URL" not in body  # not Werkzeug's words for developers
    assert "Back to the start" in body


def test_a_missing_record_keeps_its_own_message_under_the_same_heading(client, world):
    sign_in(client, world.emails["manager"])
    response = client.get("/dispatch/runs/999999")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No such run." in body and "The link may be old" not in body
