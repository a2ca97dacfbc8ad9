/* The flusher: sends the command log to POST /api/v1/sync/push and stores the server's outcomes.
 *
 * One flusher at a time (Web Locks across tabs, a promise within the page), batches of at most 50,
 * credentials and the page's CSRF token; 401/403 pause the queue, network errors keep it queued and
 * retry on a backoff timer with jitter. A command caught in "sending" when the page died is queued
 * again by the next flusher. Photos follow once their command is applied (commandlog_photos.js).
 */
import { releaseOnPageHide } from "./commandlog_db.js";
import { uploadBlobs } from "./commandlog_photos.js";
import { announce, pausedReason, session, setPaused } from "./commandlog_session.js";
import { DONE, FLAGGED, QUEUED, REJECTED, SENDING, list, prune, update } from "./commandlog_store.js";

// The lock keeps the name it had before the phone's queue was called the command log: a tab still
// running the old code must share the one flusher.
const LOCK_NAME = "waybill-outbox-flush";
const PUSH_URL = "/api/v1/sync/push";
export const MAX_BATCH = 50;
const PUSH_TIMEOUT_MS = 20000;
const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;

let running = null;         // the flush in progress in this page
let again = false;          // something asked for a flush while one was running
let failures = 0;           // consecutive failed pushes, for the backoff
let retryTimer = null;

/** Send what is queued; one flusher at a time. `manual` (the "Sync now" button) also lifts a pause. */
export function flush({ manual = false } = {}) {
  if (manual) { setPaused(null); failures = 0; }
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
  while (!pausedReason() && navigator.onLine) {
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
      setPaused(answer.status === 401 ? "sign-in" : "refused");
      return;
    }
    scheduleRetry(answer.retryAfterMs);
    return;
  }
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
