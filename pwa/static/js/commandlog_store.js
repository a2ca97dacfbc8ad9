/* The command log's records: writing a command (and its photos), reading them by state, changing them.
 *
 * A command: id (crypto.randomUUID, the idempotency key), device_id, seq (allocated in the same transaction
 * as the insert), type, v, occurred_at, base, payload, blob_refs, state, outcome, attempts; plus user_id and
 * label, which stay on the phone (the server refuses fields it does not know). A device (id + next seq) per
 * user of this browser: a shared phone keeps one queue per person. Everything read here is the signed-in
 * person's.
 */
import { transact } from "./commandlog_db.js";
import { session } from "./commandlog_session.js";

const KEEP_FINISHED_MS = 7 * 24 * 3600 * 1000;  // done and dismissed commands are an audit trail for a week

export const QUEUED = "queued", SENDING = "sending", DONE = "done", REJECTED = "rejected", DISMISSED = "dismissed";
// Applied, but it clashed with the plan: the office has an exception and the person who did it should know.
export const FLAGGED = "flagged";
// States of a photo in the "blobs" store.
export const BLOB_WAITING = "waiting", BLOB_UPLOADED = "uploaded", BLOB_REFUSED = "refused", BLOB_DROPPED = "dropped";

function byState(stores, state) {
  return stores.commands.index("by_user_state").getAll(IDBKeyRange.only([session.userId, state]));
}

/** Write a new command (and its photos) and give it the device's next seq, in one transaction.
 * Resolves with the stored command once the transaction has completed. */
export async function add({ type, v, base = {}, payload, label = "", blobs = [] }) {
  if (!session.userId) throw new Error("Nobody is signed in on this page.");
  const userId = session.userId;
  const blobRefs = blobs.map(({ id, sha256, size, type: mime, role }) => ({ id, sha256, size, type: mime, role }));
  return transact(["devices", "commands", "blobs"], "readwrite", (stores, result) => {
    const read = stores.devices.get(userId);
    read.onsuccess = () => {
      const device = read.result || { user_id: userId, device_id: crypto.randomUUID(), next_seq: 1 };
      const now = new Date().toISOString();
      const stored = {
        id: crypto.randomUUID(), user_id: userId, device_id: device.device_id, seq: device.next_seq,
        type, v, occurred_at: now, base, payload, blob_refs: blobRefs, state: QUEUED, outcome: null, attempts: 0,
        label, created_at: now, updated_at: now,
      };
      device.next_seq += 1;
      stores.devices.put(device);
      stores.commands.add(stored);
      for (const blob of blobs) {
        stores.blobs.add({ ...blob, user_id: userId, command_id: stored.id, state: BLOB_WAITING, error: null });
      }
      result.value = stored;
    };
  });
}

/** The signed-in user's commands in one state, oldest first. */
export async function list(state) {
  if (!session.userId) return [];
  const rows = await transact(["commands"], "readonly", (stores, result) => {
    const request = byState(stores, state);
    request.onsuccess = () => { result.value = request.result; };
  });
  return rows.sort((a, b) => a.seq - b.seq);
}

/** How many of the signed-in user's commands are queued, being sent, and need attention. */
export async function counts() {
  if (!session.userId) return { waiting: 0, sending: 0, attention: 0, photos: 0 };
  return transact(["commands", "blobs"], "readonly", (stores, result) => {
    const index = stores.commands.index("by_user_state");
    const out = { waiting: 0, sending: 0, attention: 0, photos: 0 };
    // Photos still to upload (driver area): the chip says "Sending N photos" until they are stored.
    const photos = stores.blobs.index("by_user_state").count(IDBKeyRange.only([session.userId, BLOB_WAITING]));
    photos.onsuccess = () => { out.photos = photos.result; };
    const names = { [QUEUED]: "waiting", [SENDING]: "sending", [REJECTED]: "attention", [FLAGGED]: "attention" };
    for (const [state, name] of Object.entries(names)) {
      const request = index.count(IDBKeyRange.only([session.userId, state]));
      request.onsuccess = () => { out[name] += request.result; };
    }
    result.value = out;
  });
}

/** The signed-in user's photos in one state (without their bytes). */
export async function listBlobs(state) {
  if (!session.userId) return [];
  return transact(["blobs"], "readonly", (stores, result) => {
    const request = stores.blobs.index("by_user_state").getAll(IDBKeyRange.only([session.userId, state]));
    request.onsuccess = () => { result.value = request.result.map(({ data, ...rest }) => rest); };
  });
}

/** Mark a refused or flagged command as read by a person (kept a while as history). */
export function markDismissed(id) {
  return update([id], (command) => (command.state === REJECTED || command.state === FLAGGED
    ? { ...command, state: DISMISSED, dismissed_at: new Date().toISOString() } : command));
}

/** Apply `change(command)` to each of the given commands in one transaction. */
export function update(ids, change) {
  return transact(["commands"], "readwrite", (stores) => {
    for (const id of ids) {
      const read = stores.commands.get(id);
      read.onsuccess = () => {
        if (!read.result) return;
        stores.commands.put({ ...change(read.result), updated_at: new Date().toISOString() });
      };
    }
  });
}

/** Drop finished commands older than a week, so the log does not grow without end. */
export async function prune() {
  if (!session.userId) return;
  const cutoff = new Date(Date.now() - KEEP_FINISHED_MS).toISOString();
  await transact(["commands"], "readwrite", (stores) => {
    for (const state of [DONE, DISMISSED]) {
      const request = byState(stores, state);
      request.onsuccess = () => request.result.filter((c) => c.updated_at < cutoff)
        .forEach((c) => stores.commands.delete(c.id));
    }
  });
}

/** The signed-in user's photos in one state, bytes included (for uploading them). */
export function blobsInState(state) {
  return transact(["blobs"], "readonly", (stores, result) => {
    const request = stores.blobs.index("by_user_state").getAll(IDBKeyRange.only([session.userId, state]));
    request.onsuccess = () => { result.value = request.result; };
  });
}

/** One command by its id (undefined when it is gone). */
export function commandById(id) {
  return transact(["commands"], "readonly", (stores, result) => {
    const request = stores.commands.get(id);
    request.onsuccess = () => { result.value = request.result; };
  });
}

/** Apply `change` (fields to set) to one photo's record. */
export function settleBlob(id, change) {
  return transact(["blobs"], "readwrite", (stores) => {
    const read = stores.blobs.get(id);
    read.onsuccess = () => { if (read.result) stores.blobs.put({ ...read.result, ...change }); };
  });
}
