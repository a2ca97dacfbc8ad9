/* The command log's photos, sent after their command (PUT /api/v1/sync/blobs/<id>).
 *
 * Once a command is applied (done or flagged), each of its images is PUT with its SHA-256 (XHR, for upload
 * progress) and then its bytes are dropped. A refused image keeps its error for the page to show; the images
 * of a rejected command are dropped unsent.
 */
import { BLOB_DROPPED, BLOB_REFUSED, BLOB_UPLOADED, BLOB_WAITING, DISMISSED, DONE, FLAGGED, REJECTED,
         blobsInState, commandById, settleBlob } from "./commandlog_store.js";
import { announce, pausedReason, reportProgress, session, setPaused } from "./commandlog_session.js";

const BLOB_URL = "/api/v1/sync/blobs/";
const UPLOAD_TIMEOUT_MS = 120000;

/** Whether the server applied the command (its photos are wanted), refused it (dropped) or not answered yet. */
function commandFate(command) {
  if (!command) return "refused";
  if (command.state === DONE || command.state === FLAGGED) return "applied";
  if (command.state === REJECTED) return "refused";
  if (command.state === DISMISSED) {
    const outcome = command.outcome || {};
    return (outcome.original_status || outcome.status) === "rejected" ? "refused" : "applied";
  }
  return "pending";
}

/** Upload the photos of applied commands, one at a time; the bytes are dropped once stored. */
export async function uploadBlobs() {
  const waiting = await blobsInState(BLOB_WAITING);
  for (const blob of waiting) {
    if (pausedReason() || !navigator.onLine) return;
    const fate = commandFate(await commandById(blob.command_id));
    if (fate === "refused") {
      await settleBlob(blob.id, { state: BLOB_DROPPED, data: null });
      announce();
      continue;
    }
    if (fate === "pending") continue;  // the photo follows its command
    const answer = await upload(blob);
    if (answer.kind === "stored") {
      await settleBlob(blob.id, { state: BLOB_UPLOADED, data: null, uploaded_at: new Date().toISOString() });
    } else if (answer.kind === "refused") {
      if (answer.status === 401) { setPaused("sign-in"); return; }
      await settleBlob(blob.id, { state: BLOB_REFUSED, error: answer.message, data: null });
    } else {
      throw new Error("a photo upload failed; it is tried again later");
    }
    announce();
  }
}

/** PUT one photo with its SHA-256. -> {kind: "stored"} | {kind: "refused", status, code, message} | {kind: "retry"}. */
function upload(blob) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", BLOB_URL + blob.id);
    xhr.timeout = UPLOAD_TIMEOUT_MS;
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", blob.type);
    xhr.setRequestHeader("X-Content-SHA256", blob.sha256);
    xhr.setRequestHeader("X-CSRFToken", session.csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => reportProgress({
      blobId: blob.id, commandId: blob.command_id, loaded: event.loaded, total: event.total || blob.size });
    xhr.onload = () => {
      if (xhr.status === 200 || xhr.status === 201) { resolve({ kind: "stored" }); return; }
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (error) { /* not JSON */ }
      if (xhr.status >= 400 && xhr.status < 500 && xhr.status !== 408 && xhr.status !== 429) {
        resolve({ kind: "refused", status: xhr.status, code: body.code, message: body.detail || xhr.statusText });
      } else {
        resolve({ kind: "retry" });
      }
    };
    xhr.onerror = xhr.ontimeout = xhr.onabort = () => resolve({ kind: "retry" });
    xhr.send(blob.data);
  });
}
