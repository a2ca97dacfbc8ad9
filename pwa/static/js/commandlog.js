/* The phone's command log and the flusher that sends it (README, "Offline sync, conflicts and the exception
 * queue"). Not the server's outbox: that is the table of domain events the relay publishes.
 *
 * Every offline action is a command written to IndexedDB before anything else happens; it is sent to
 * POST /api/v1/sync/push when there is a connection and kept until the server's outcome is stored here.
 * The pages import this module only; it is made of:
 *
 * - commandlog_db.js: the IndexedDB database (its name and stores are what phones already hold).
 * - commandlog_store.js: the commands and photos in it. States: queued -> sending -> done | flagged |
 *   rejected ("needs attention") -> dismissed (only by a person).
 * - commandlog_session.js: whose log this page works on, why sending is paused, change and progress events.
 * - commandlog_sync.js: the flusher (one at a time, batches, backoff, pausing on 401/403).
 * - commandlog_photos.js: photos (driver area, issue 3). `enqueue({..., blobs})` keeps each image Blob in the
 *   "blobs" store in the same transaction as its command, and the command carries only their refs (id,
 *   sha256, size, type, role); they are uploaded once the command is applied (onProgress reports it).
 */
import { askToPersist } from "./commandlog_db.js";
import { announce } from "./commandlog_session.js";
import { add, markDismissed } from "./commandlog_store.js";
import { flush } from "./commandlog_sync.js";

export { configure, onChange, onProgress, pausedReason } from "./commandlog_session.js";
export { BLOB_DROPPED, BLOB_REFUSED, BLOB_UPLOADED, BLOB_WAITING, DISMISSED, DONE, FLAGGED, QUEUED, REJECTED,
         SENDING, counts, list, listBlobs, prune } from "./commandlog_store.js";
export { MAX_BATCH, flush, startFlushing } from "./commandlog_sync.js";

/** Whether this browser can keep a command log at all (else forms are sent the ordinary way). */
export function supported() {
  return "indexedDB" in self && typeof crypto !== "undefined" && typeof crypto.randomUUID === "function";
}

/** Write a new command to the log and give it the device's next seq, in one transaction.
 * Resolves with the stored command once the transaction has completed ("Saved on this phone"). */
export async function enqueue(command) {
  const stored = await add(command);
  askToPersist();
  announce();
  flush();
  return stored;
}

/** A person has read a refused or flagged command: it leaves the "Needs attention" list (kept a while as history). */
export async function dismiss(id) {
  await markDismissed(id);
  announce();
}
