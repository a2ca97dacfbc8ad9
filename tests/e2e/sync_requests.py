"""Sync requests as a phone sends them, for tests that drive the sync API with the Flask test client."""
from __future__ import annotations

import hashlib
import uuid


def put(client, world, data: bytes, *, who="driver", blob_id=None, sha256=None, content_type="image/jpeg"):
    """PUT `data` to /api/v1/sync/blobs/<blob_id> (a new id unless given) as `who`, with its SHA-256."""
    blob_id = blob_id or str(uuid.uuid4())
    headers = {**world.headers(who), "Content-Type": content_type,
               "X-Content-SHA256": sha256 or hashlib.sha256(data).hexdigest()}
    return client.put(f"/api/v1/sync/blobs/{blob_id}", data=data, headers=headers)


def push_commands(client, world, commands, who="driver"):
    """POST (type, payload) `commands` to /api/v1/sync/push from a new device as `who`; returns the results."""
    device = str(uuid.uuid4())
    response = client.post("/api/v1/sync/push", json={"device_id": device, "commands": [
        {"id": str(uuid.uuid4()), "seq": n, "type": t, "v": 1, "payload": p} for n, (t, p) in enumerate(commands, 1)]},
        headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]
