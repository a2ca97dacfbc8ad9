/* The phone's command log and the flusher that sends it (README, "Offline sync, conflicts and the exception
 * queue"). Not the server's outbox: that is the table of domain events the relay publishes.
 *
 * Every offline action is a command written to IndexedDB before anything else happens; it is sent to
 * POST /api/v1/sync/push when there is a connection and kept until the server's outcome is stored here.
 *
 * - A command: id (crypto.randomUUID, the idempotency key), device_id, seq (allocated in the same
 *   transaction as the insert), type, v, occurred_at, base, payload, blob_refs, state, outcome, attempts;
 *   plus user_id and label, which stay on the phone (the server refuses fields it does not know).
 * - States: queued -> sending -> done | rejected ("needs attention") -> dismissed (only by a person).
 *   A command caught in "sending" when the page died is queued again by the next flusher.
 * - A device (id + next seq) per user of this browser: the server ties a device's queue to one user, so
 *   a shared phone keeps one queue per person and sends only the signed-in person's commands.
 * - One flusher at a time (Web Locks across tabs, a promise within the page), batches of at most 50,
 *   credentials and the page's CSRF token; 401/403 pause the queue, network errors keep it queued and
 *   retry on a backoff timer with jitter.
 * - Photos (driver area, issue 3): `enqueue({..., blobs})` keeps each image Blob in the "blobs" store in the
 *   same transaction as its command, and the command carries only their refs (id, sha256, size, type, role).
 *   Once the command is applied (done or flagged), the flusher PUTs each image to /api/v1/sync/blobs/<id>
 *   with its SHA-256 (XHR, for upload progress: onProgress) and then drops the bytes. A refused image keeps
 *   its error for the page to show; the images of a rejected command are dropped unsent.
 */

// The database, lock and channel keep the names they had when this module was outbox.js: phones hold
// queued commands under them, and a tab still running the old code must share the one flusher.
const DB_NAME = "waybill-outbox";
const DB_VERSION = 2;  // 2: the "blobs" store (photos waiting to be uploaded)
const LOCK_NAME = "waybill-outbox-flush";
const PUSH_URL = "/api/v1/sync/push";
const BLOB_URL = "/api/v1/sync/blobs/";
const UPLOAD_TIMEOUT_MS = 120000;
export const MAX_BATCH = 50;
const PUSH_TIMEOUT_MS = 20000;
const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
const KEEP_FINISHED_MS = 7 * 24 * 3600 * 1000;  // done and dismissed commands are an audit trail for a week

export const QUEUED = "queued", SENDING = "sending", DONE = "done", REJECTED = "rejected", DISMISSED = "dismissed";
// Applied, but it clashed with the plan: the office has an exception and the person who did it should know.
export const FLAGGED = "flagged";
// States of a photo in the "blobs" store.
export const BLOB_WAITING = "waiting", BLOB_UPLOADED = "uploaded", BLOB_REFUSED = "refused", BLOB_DROPPED = "dropped";

const changes = new EventTarget();
const progress = new EventTarget();
const channel = "BroadcastChannel" in self ? new BroadcastChannel("waybill-outbox") : null;
let session = { userId: null, csrfToken: "" };
let paused = null;          // why sending stopped (401/403); cleared by "Sync now" or a new page
let running = null;         // the flush in progress in this page
let again = false;          // something asked for a flush while one was running
let failures = 0;           // consecutive failed pushes, for the backoff
let retryTimer = null;
let dbPromise = null;

/** Whether this browser can keep a command log at all (else forms are sent the ordinary way). */
export function supported() {
  return "indexedDB" in self && typeof crypto !== "undefined" && typeof crypto.randomUUID === "function";
}

/** Say whose queue this page works on and which CSRF token the push carries. */
export function configure({ userId, csrfToken }) {
  session = { userId: String(userId), csrfToken: csrfToken || "" };
}

/** Listen for any change to the log (this page or another tab): callback() with no arguments. */
export function onChange(callback) {
  changes.addEventListener("change", () => callback());
  if (channel) channel.addEventListener("message", () => callback());
}

/** Listen for photo upload progress: callback({blobId, commandId, loaded, total}). */
export function onProgress(callback) {
  progress.addEventListener("progress", (event) => callback(event.detail));
}

function announce() {
  changes.dispatchEvent(new Event("change"));
  if (channel) channel.postMessage("changed");
}

/** Why the queue is paused ("sign-in" or "refused"), or null. */
export function pausedReason() {
  return paused;
}

// -- IndexedDB -----------------------------------------------------------------------------------
function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        if (event.oldVersion < 1) {
          db.createObjectStore("devices", { keyPath: "user_id" });
          const commands = db.createObjectStore("commands", { keyPath: "id" });
          commands.createIndex("by_user_seq", ["user_id", "seq"], { unique: true });
          commands.createIndex("by_user_state", ["user_id", "state"]);
        }
        if (event.oldVersion < 2) {
          const blobs = db.createObjectStore("blobs", { keyPath: "id" });
          blobs.createIndex("by_user_state", ["user_id", "state"]);
          blobs.createIndex("by_command", "command_id");
        }
      };
      request.onsuccess = () => {
        // A newer page (a new version of this log) wants to upgrade: let go, the next call reopens.
        request.result.onversionchange = () => { request.result.close(); dbPromise = null; };
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("The command log is being upgraded in another tab."));
    });
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

/** Run `work(stores)` in one transaction; resolves with what work's last callback left in `result.value`
 * only once the transaction has COMPLETED (so the data is on disk, not just queued). */
async function transact(storeNames, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeNames, mode);
    const result = { value: undefined };
    const stores = Object.fromEntries(storeNames.map((name) => [name, tx.objectStore(name)]));
    tx.oncomplete = () => resolve(result.value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("The command log transaction was aborted."));
    work(stores, result);
  });
}

function byState(stores, state) {
  return stores.commands.index("by_user_state").getAll(IDBKeyRange.only([session.userId, state]));
}

/** Write a new command to the log and give it the device's next seq, in one transaction.
 * Resolves with the stored command once the transaction has completed ("Saved on this phone"). */
export async function enqueue({ type, v, base = {}, payload, label = "", blobs = [] }) {
  if (!session.userId) throw new Error("Nobody is signed in on this page.");
  const userId = session.userId;
  const blobRefs = blobs.map(({ id, sha256, size, type: mime, role }) => ({ id, sha256, size, type: mime, role }));
  const command = await transact(["devices", "commands", "blobs"], "readwrite", (stores, result) => {
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
  askToPersist();
  announce();
  flush();
  return command;
}

let persistAsked = false;
function askToPersist() {
  // Without it the browser may evict the log under storage pressure; asking is harmless if refused.
  if (persistAsked || !navigator.storage || !navigator.storage.persist) return;
  persistAsked = true;
  navigator.storage.persist().catch(() => {});
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

/** A person has read a refused or flagged command: it leaves the "Needs attention" list (kept a while as history). */
export async function dismiss(id) {
  await update([id], (command) => (command.state === REJECTED || command.state === FLAGGED
    ? { ...command, state: DISMISSED, dismissed_at: new Date().toISOString() } : command));
  announce();
}

/** Apply `change(command)` to each of the given commands in one transaction. */
function update(ids, change) {
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

// -- flusher ---------------------------------------------------------------------------------------
/** Send what is queued; one flusher at a time. `manual` (the "Sync now" button) also lifts a pause. */
export function flush({ manual = false } = {}) {
  if (manual) { paused = null; failures = 0; }
  if (!session.userId) return Promise.resolve();
  if (running) { again = true; return running; }
  running = (async () => {
    try {
      do {
        again = false;
        await exclusively(sendAll);
      } while (again);
    } catch (error) {
      console.warn("Waybill: sending the command log failed", error);
      scheduleRetry();
    } finally {
      running = null;
      announce();
    }
  })();
  return running;
}

function exclusively(work) {
  // Web Locks also cover other tabs of this site; without them the page's own promise is the only guard.
  if (navigator.locks && navigator.locks.request) return navigator.locks.request(LOCK_NAME, work);
  return work();
}

async function sendAll() {
  // Holding the lock, nobody else is sending: a command still "sending" was cut off by a closed page.
  const stale = await list(SENDING);
  if (stale.length) await update(stale.map((c) => c.id), (c) => ({ ...c, state: QUEUED }));
  let tokenRefreshed = false;
  while (!paused && navigator.onLine) {
    const queued = await list(QUEUED);
    if (!queued.length) { failures = 0; await uploadBlobs(); return; }
    // A push carries one device's commands; a user has one device per browser, so this is all of them.
    const batch = queued.filter((c) => c.device_id === queued[0].device_id).slice(0, MAX_BATCH);
    const ids = batch.map((c) => c.id);
    await update(ids, (c) => ({ ...c, state: SENDING, attempts: c.attempts + 1 }));
    announce();
    const answer = await push(batch);
    if (answer.kind === "results") {
      const unanswered = await storeResults(batch, answer.body.results || []);
      announce();
      // The server stopped part-way (it says when to come back): what it answered is settled, the rest
      // waits on the backoff timer instead of being sent again at once.
      if (unanswered) { scheduleRetry(answer.retryAfterMs); return; }
      failures = 0;
      continue;
    }
    await update(ids, (c) => ({ ...c, state: c.state === SENDING ? QUEUED : c.state }));
    if (answer.kind === "refused") {
      // A stale CSRF token is cured by a fresh one (once); anything else needs the person.
      if (!tokenRefreshed && await refreshToken()) { tokenRefreshed = true; continue; }
      paused = answer.status === 401 ? "sign-in" : "refused";
      return;
    }
    scheduleRetry(answer.retryAfterMs);
    return;
  }
}

// -- photos, after their command (PUT /api/v1/sync/blobs/<id>) ----------------------------------------
function blobsInState(state) {
  return transact(["blobs"], "readonly", (stores, result) => {
    const request = stores.blobs.index("by_user_state").getAll(IDBKeyRange.only([session.userId, state]));
    request.onsuccess = () => { result.value = request.result; };
  });
}

function commandById(id) {
  return transact(["commands"], "readonly", (stores, result) => {
    const request = stores.commands.get(id);
    request.onsuccess = () => { result.value = request.result; };
  });
}

function settleBlob(id, change) {
  return transact(["blobs"], "readwrite", (stores) => {
    const read = stores.blobs.get(id);
    read.onsuccess = () => { if (read.result) stores.blobs.put({ ...read.result, ...change }); };
  });
}

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
async function uploadBlobs() {
  const waiting = await blobsInState(BLOB_WAITING);
  for (const blob of waiting) {
    if (paused || !navigator.onLine) return;
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
      if (answer.status === 401) { paused = "sign-in"; return; }
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
    xhr.upload.onprogress = (event) => progress.dispatchEvent(new CustomEvent("progress", { detail: {
      blobId: blob.id, commandId: blob.command_id, loaded: event.loaded, total: event.total || blob.size } }));
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

/** POST one batch. -> {kind: "results", body} | {kind: "refused", status} | {kind: "retry", retryAfterMs}. */
async function push(batch) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PUSH_TIMEOUT_MS);
  try {
    const response = await fetch(PUSH_URL, {
      method: "POST", credentials: "same-origin", signal: controller.signal,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": session.csrfToken },
      body: JSON.stringify({ device_id: batch[0].device_id, commands: batch.map(wireForm) }),
    });
    if (response.status === 401 || response.status === 403) return { kind: "refused", status: response.status };
    if (!response.ok) return { kind: "retry", retryAfterMs: retryAfter(response) };
    return { kind: "results", body: await response.json(), retryAfterMs: retryAfter(response) };
  } catch (error) {
    return { kind: "retry", retryAfterMs: 0 };  // offline, timed out, or the server went away: try later
  } finally {
    clearTimeout(timer);
  }
}

/** What the server is sent: exactly the protocol's fields (it refuses unknown ones). */
function wireForm(c) {
  return { id: c.id, seq: c.seq, type: c.type, v: c.v, occurred_at: c.occurred_at, base: c.base,
           payload: c.payload, blob_refs: c.blob_refs };
}

function retryAfter(response) {
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** Store each command's outcome: applied/duplicate -> done, rejected -> needs attention, none -> queued.
 * A result names its command by id, or (an entry the server could not read an id from) by its `index` in
 * the batch as sent. The id is the idempotency key; seq only orders the queue (README, "Offline sync"), so
 * nothing here depends on the server's last_processed_seq. Resolves with how many got no result. */
async function storeResults(batch, results) {
  const byId = new Map(results.filter((r) => r && r.id).map((r) => [String(r.id), r]));
  const byIndex = new Map(results.filter((r) => r && !r.id && Number.isInteger(r.index))
    .map((r) => [batch[r.index] && batch[r.index].id, r]));
  let unanswered = 0;
  await update(batch.map((c) => c.id), (command) => {
    const result = byId.get(command.id) || byIndex.get(command.id);
    if (!result) { unanswered += 1; return { ...command, state: QUEUED }; }
    // A duplicate carries the first push's outcome: a command refused then is still refused.
    const status = result.status === "duplicate" ? (result.original_status || "applied") : result.status;
    if (status === "rejected") return { ...command, state: REJECTED, outcome: result };
    if (status === "applied_with_exception") return { ...command, state: FLAGGED, outcome: result };
    if (status === "deferred") return { ...command, state: QUEUED, outcome: result };
    return { ...command, state: DONE, outcome: result };
  });
  return unanswered;
}

/** Fetch a fresh CSRF token from a page of this session; false when the session itself is gone. */
async function refreshToken() {
  try {
    const response = await fetch("/sync", { credentials: "same-origin", headers: { "Accept": "text/html" } });
    if (!response.ok || new URL(response.url).pathname !== "/sync") return false;  // sent to sign in
    const html = await response.text();
    const token = new DOMParser().parseFromString(html, "text/html")
      .querySelector('meta[name="csrf-token"]');
    if (!token || !token.content || token.content === session.csrfToken) return false;
    session.csrfToken = token.content;
    return true;
  } catch (error) {
    return false;
  }
}

function scheduleRetry(atLeastMs = 0) {
  failures += 1;
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 16));
  // Jitter: phones that lost the same signal together must not all come back in the same second.
  const delay = Math.max(atLeastMs, ceiling / 2 + Math.random() * ceiling / 2);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => flush(), delay);
}

/** Let go of the database and the channel when the page goes away (or into the back/forward cache):
 * an open connection would hold up another tab's upgrade and the browser's own clean-up on sign-out. */
function releaseOnPageHide() {
  window.addEventListener("pagehide", () => {
    if (dbPromise) dbPromise.then((db) => db.close(), () => {});
    dbPromise = null;
  });
}

/** Flush whenever sending may now succeed: coming online, the page becoming visible (and the backoff timer). */
export function startFlushing() {
  window.addEventListener("online", () => { failures = 0; flush(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  releaseOnPageHide();
  prune().catch(() => {});
  flush();
}
