"""/api/v1/sync/blobs/<id>: photos and signatures, uploaded after the small command that names them.

The body is the image itself; `X-Content-SHA256` declares its SHA-256 (hex). The server caps the size
(config BLOB_MAX_BYTES, from WAYBILL_BLOB_MAX_BYTES, default 5 MB), accepts JPEG, PNG or WebP by their
magic bytes (never the declared type), and recomputes the hash. The same id with the same bytes again is an
idempotent success (a retry after a lost answer); the same id with other bytes is a 409. A proof of
delivery waiting for this image becomes complete in the same transaction as the image's record.

This is its own blueprint (same /api/v1/sync prefix) because the push endpoint's 256 KB body cap
must not apply to photos.
"""
from __future__ import annotations

import re

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields

from ..bootstrap import blob_storage, bus
from ..domain import commands
from ..domain.access import Role, require_role
from ..domain.delivery import SHA256_HEX, BlobTooLarge, image_type
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..extensions import db
from ..queries.delivery import blob as stored_blob

blp = Blueprint("sync_blobs", __name__, url_prefix="/api/v1/sync/blobs",
                description="Photo and signature uploads for offline commands")
blp.before_request(authenticate)

UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class BlobSchema(Schema):
    id = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, field: str):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def _blob_id(blob_id: str) -> str:
    blob_id = blob_id.lower()
    if not UUID_TEXT.match(blob_id):
        abort(404, message="No such photo.")
    return blob_id


@blp.route("/<string:blob_id>")
class BlobUpload(MethodView):
    """One uploaded image."""

    @blp.response(201, BlobSchema)
    @blp.alt_response(200, schema=BlobSchema, description="The same bytes were already stored under this id")
    def put(self, blob_id):
        """Store an image's bytes (JPEG, PNG or WebP, checked by content and SHA-256); idempotent per id."""
        actor = current_actor()
        require_role(actor, Role.DRIVER, Role.OWNER, Role.MANAGER, Role.FLOOR)
        blob_id = _blob_id(blob_id)
        declared = (request.headers.get("X-Content-SHA256") or "").strip().lower()
        if not SHA256_HEX.match(declared):
            abort(422, message="Send the image's SHA-256 as 64 hex digits in X-Content-SHA256.",
                  errors={"X-Content-SHA256": ["Required: 64 hex digits."]})
        cap = current_app.config["BLOB_MAX_BYTES"]
        if (request.content_length or 0) > cap:
            abort(413, message=f"A photo may be at most {cap // (1024 * 1024)} MB; the phone shrinks them first.",
                  code="blob.too_large")
        request.max_content_length = cap + 1  # the app-wide body cap is smaller than a photo's
        detected = {}

        def accept(sha256: str, size: int, head: bytes) -> None:
            if size == 0 or image_type(head) is None:
                raise _Refused(415, "blob.not_an_image", "This file is not a JPEG, PNG or WebP image.", "body")
            if sha256 != declared:
                raise _Refused(422, "blob.hash_mismatch", "The bytes received do not match the declared SHA-256; "
                               "the upload was damaged, send it again.", "X-Content-SHA256")
            detected["type"] = image_type(head)

        try:
            staged = blob_storage().stage(request.stream, max_bytes=cap, accept=accept)
        except BlobTooLarge:
            abort(413, message=f"A photo may be at most {cap // (1024 * 1024)} MB.", code="blob.too_large")
        except _Refused as refused:
            abort(refused.status, message=refused.message, code=refused.code,
                  errors={refused.field: [refused.message]})
        try:
            # The bytes take their name only once the handler accepts the record (not someone else's id,
            # not other bytes under a known id): a refused upload keeps nothing on disk.
            blob, created = bus().handle(commands.RecordBlobUpload(blob_id, staged.key, staged.size,
                                                                   detected["type"], staged.key),
                                         actor, before_commit=staged.place)
            staged.place()  # an idempotent retry: the same bytes again, under the name they already have
        finally:
            staged.discard()
        return blob, (201 if created else 200)

    @blp.response(200)
    def get(self, blob_id):
        """The image's bytes, for its uploader and the office."""
        actor = current_actor()
        blob = stored_blob(db.session, _blob_id(blob_id))
        if blob is None or not (actor.is_office or blob.uploaded_by_id == actor.user_id):
            raise NotFound("No such photo.")
        # Images are small (the phone shrinks them, the cap is a few MB): read whole, nothing left open.
        response = Response(blob_storage().read(blob.storage_key), mimetype=blob.content_type)
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response
