"""Photos over HTTP: PUT /api/v1/sync/blobs/<id> checks size, type by content and SHA-256, is idempotent
per id, and completes the proof of delivery that waits for it; delivery commands replay through push."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from backend.domain.delivery import DeliveryProof
from tests.e2e.conftest import assert_problem
from tests.e2e.sync_requests import push_commands, put
from tests.factories import TINY_JPEG, blob_ref, run_out_for_delivery, stored_all

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def blob_dir(app):
    """The folder this test's app keeps its photos in (its own, set when the app was made)."""
    return Path(app.config["BLOB_DIR"])


def stored(blob_dir, data: bytes) -> bytes:
    key = hashlib.sha256(data).hexdigest()
    return (blob_dir / key[:2] / key).read_bytes()


def test_a_photo_is_stored_under_its_hash_and_read_back_by_its_uploader(client, world, blob_dir):
    blob_id = str(uuid.uuid4())
    response = put(client, world, TINY_JPEG, blob_id=blob_id)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"id": blob_id, "sha256": hashlib.sha256(TINY_JPEG).hexdigest(),
                                   "size": len(TINY_JPEG), "content_type": "image/jpeg"}
    assert stored(blob_dir, TINY_JPEG) == TINY_JPEG
    back = client.get(f"/api/v1/sync/blobs/{blob_id}", headers=world.headers("driver"))
    assert (back.status_code, back.mimetype, back.data) == (200, "image/jpeg", TINY_JPEG)


def test_the_same_photo_sent_again_is_an_idempotent_success(client, world, blob_dir):
    blob_id = str(uuid.uuid4())
    assert put(client, world, TINY_JPEG, blob_id=blob_id).status_code == 201
    again = put(client, world, TINY_JPEG, blob_id=blob_id)
    assert again.status_code == 200
    assert again.get_json()["id"] == blob_id


def test_other_bytes_under_an_existing_id_are_a_conflict(client, world, blob_dir):
    blob_id = str(uuid.uuid4())
    put(client, world, TINY_JPEG, blob_id=blob_id)
    body = assert_problem(put(client, world, PNG, blob_id=blob_id, content_type="image/png"), 409)
    assert body["code"] == "blob.hash_conflict"


def test_bytes_that_do_not_match_the_declared_hash_are_refused_and_not_kept(client, world, blob_dir):
    body = assert_problem(put(client, world, TINY_JPEG, sha256="a" * 64), 422)
    assert body["code"] == "blob.hash_mismatch"
    assert "X-Content-SHA256" in body["errors"]
    assert not any(p.is_file() and not p.name.startswith(".") for p in blob_dir.rglob("*"))


def test_a_missing_hash_is_a_field_error(client, world, blob_dir):
    response = client.put(f"/api/v1/sync/blobs/{uuid.uuid4()}", data=TINY_JPEG,
                          headers={**world.headers("driver"), "Content-Type": "image/jpeg"})
    assert "X-Content-SHA256" in assert_problem(response, 422)["errors"]


def test_a_file_that_is_not_an_image_is_refused_whatever_its_declared_type(client, world, blob_dir):
    body = assert_problem(put(client, world, b"%PDF-1.7\n" + b"x" * 100), 415)
    assert body["code"] == "blob.not_an_image"


def test_a_photo_over_the_size_cap_is_refused(app, client, world, blob_dir):
    app.config["BLOB_MAX_BYTES"] = 2000
    body = assert_problem(put(client, world, TINY_JPEG[:3] + b"\x00" * 3000), 413)
    assert body["code"] == "blob.too_large"


def test_a_photo_larger_than_an_ordinary_request_but_under_the_cap_is_accepted(client, world, blob_dir):
    big = TINY_JPEG[:3] + b"\x00" * (2 * 1024 * 1024)  # the app refuses other bodies over 1 MB
    assert put(client, world, big).status_code == 201


def test_someone_else_cannot_overwrite_or_read_a_drivers_photo(client, world, blob_dir):
    blob_id = str(uuid.uuid4())
    put(client, world, TINY_JPEG, blob_id=blob_id)
    assert_problem(put(client, world, TINY_JPEG, who="manager", blob_id=blob_id), 403)
    assert_problem(put(client, world, TINY_JPEG, who="customer"), 403)
    assert_problem(client.get(f"/api/v1/sync/blobs/{blob_id}", headers=world.headers("floor")), 404)
    assert client.get(f"/api/v1/sync/blobs/{blob_id}", headers=world.headers("manager")).status_code == 200


def _files(blob_dir) -> set:
    """Every file under the blob folder, temporary ones included."""
    return {p.name for p in blob_dir.rglob("*") if p.is_file()}


def test_other_bytes_refused_as_a_conflict_leave_nothing_on_disk(client, world, blob_dir):
    blob_id = str(uuid.uuid4())
    put(client, world, TINY_JPEG, blob_id=blob_id)
    assert_problem(put(client, world, PNG, blob_id=blob_id, content_type="image/png"), 409)
    assert _files(blob_dir) == {hashlib.sha256(TINY_JPEG).hexdigest()}


def test_an_upload_under_someone_elses_id_leaves_nothing_on_disk(client, world, blob_dir):
    blob_id = str(uuid.uuid4())
    put(client, world, TINY_JPEG, blob_id=blob_id)
    assert_problem(put(client, world, PNG, who="manager", blob_id=blob_id, content_type="image/png"), 403)
    assert _files(blob_dir) == {hashlib.sha256(TINY_JPEG).hexdigest()}


def test_a_refused_upload_of_bytes_another_photo_has_keeps_that_photos_file(client, world, blob_dir):
    theirs, mine = str(uuid.uuid4()), str(uuid.uuid4())
    put(client, world, PNG, blob_id=theirs, content_type="image/png")
    assert put(client, world, TINY_JPEG, who="manager", blob_id=mine).status_code == 201
    assert_problem(put(client, world, TINY_JPEG, who="manager", blob_id=theirs), 403)
    assert _files(blob_dir) == {hashlib.sha256(TINY_JPEG).hexdigest(), hashlib.sha256(PNG).hexdigest()}
    back = client.get(f"/api/v1/sync/blobs/{mine}", headers=world.headers("manager"))
    assert (back.status_code, back.data) == (200, TINY_JPEG)


def test_an_upload_needs_a_signed_in_caller(client, world, blob_dir):
    response = client.put(f"/api/v1/sync/blobs/{uuid.uuid4()}", data=TINY_JPEG,
                          headers={"X-Content-SHA256": hashlib.sha256(TINY_JPEG).hexdigest()})
    assert_problem(response, 401)


def test_a_pushed_delivery_is_applied_with_its_proof_pending_until_the_photo_arrives(app, client, world, blob_dir):
    _, stops, _ = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=1)
    photo = blob_ref()
    results = push_commands(client, world, [("delivery.confirm", {"stop_id": stops[0], "recipient_name": "Sam",
                                                          "blob_refs": [photo]})])
    assert [r["status"] for r in results] == ["applied"]
    with app.app_context():
        assert [p.status for p in stored_all(DeliveryProof)] == ["pending_upload"]
    assert put(client, world, TINY_JPEG, blob_id=photo["id"]).status_code == 201
    with app.app_context():
        assert [p.status for p in stored_all(DeliveryProof)] == ["complete"]


def test_bad_delivery_commands_are_rejected_one_by_one_without_blocking_the_rest(app, client, world, blob_dir):
    _, stops, _ = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=2)
    results = push_commands(client, world, [
        ("delivery.confirm", {"stop_id": stops[0], "recipient_name": "Sam",
                              "blob_refs": [blob_ref(content_type="application/pdf")]}),
        ("delivery.fail", {"stop_id": stops[0], "reason": "bored"}),
        ("delivery.fail", {"stop_id": stops[1], "reason": "no_one_home"}),
    ])
    assert [(r["status"], r.get("code")) for r in results] == [("rejected", "invalid"), ("rejected", "invalid"),
                                                               ("applied", None)]
    assert "blob_refs.0.type" in results[0]["errors"]


def test_a_delivery_command_for_another_drivers_stop_is_rejected(app, client, world, blob_dir):
    other_driver = world.shop.user("driver")[0]
    _, stops, _ = run_out_for_delivery(world.shop, world.actor("manager"), other_driver, stops=1)
    results = push_commands(client, world, [("delivery.confirm", {"stop_id": stops[0], "recipient_name": "Sam",
                                                          "blob_refs": [blob_ref()]})])
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "delivery.not_your_stop")]
    assert "another driver" in results[0]["message"]
