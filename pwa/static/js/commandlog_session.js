/* The command log in this page: whose log it is (and the CSRF token its requests carry), why sending is
 * paused, and the change and progress events the pages listen to. Shared by the log's modules. */

// The channel keeps the name it had before the phone's queue was called the command log: a tab still
// running the old code must hear about changes too.
const channel = "BroadcastChannel" in self ? new BroadcastChannel("waybill-outbox") : null;
const changes = new EventTarget();
const progress = new EventTarget();
let paused = null;  // why sending stopped (401/403); cleared by "Sync now" or a new page

/** Whose queue this page works on and its CSRF token (refreshed in place when the server refuses a stale one). */
export const session = { userId: null, csrfToken: "" };

/** Say whose queue this page works on and which CSRF token the push carries. */
export function configure({ userId, csrfToken }) {
  session.userId = String(userId);
  session.csrfToken = csrfToken || "";
}

/** Why the queue is paused ("sign-in" or "refused"), or null. */
export function pausedReason() {
  return paused;
}

/** Pause sending for `reason` ("sign-in" or "refused"), or resume it with null. */
export function setPaused(reason) {
  paused = reason;
}

/** Listen for any change to the log (this page or another tab): callback() with no arguments. */
export function onChange(callback) {
  changes.addEventListener("change", () => callback());
  if (channel) channel.addEventListener("message", () => callback());
}

/** Tell this page and the other tabs that the log changed. */
export function announce() {
  changes.dispatchEvent(new Event("change"));
  if (channel) channel.postMessage("changed");
}

/** Listen for photo upload progress: callback({blobId, commandId, loaded, total}). */
export function onProgress(callback) {
  progress.addEventListener("progress", (event) => callback(event.detail));
}

/** Tell the listeners how far a photo's upload has got. */
export function reportProgress(detail) {
  progress.dispatchEvent(new CustomEvent("progress", { detail }));
}
