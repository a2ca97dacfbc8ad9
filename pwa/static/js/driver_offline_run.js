/* The run's pages kept for use without a signal, and saying so:
 *
 * - "Take today's run offline": the service worker keeps the run page, every stop page, the cash page and
 *   the sync page, and the button's line shows its progress, then "Ready offline".
 * - When it worked, the moment is written down on this phone (localStorage, per person and run), and every
 *   later load of the run page says "Ready offline, saved at 07:42" — but only while the worker's caches
 *   still hold every one of the run's pages (a new deploy or a sign-out empties them, and a stop the office
 *   added since is not in them).
 * - A started run that is not ready is saved by itself when its page loads, through the same steps.
 * - A stop page that is not kept says so while there is still a signal.
 */
import { setStatus } from "./page.js";
import { formatTime } from "./timefmt.js";

const userId = () => document.querySelector('meta[name="waybill-user"]')?.content || "";
const recordKey = (runId) => `waybill:offline-run:${userId()}:${runId}`;

function readRecord(runId) {
  try {
    return JSON.parse(localStorage.getItem(recordKey(runId)) || "null");
  } catch (error) {
    return null;
  }
}

function writeRecord(runId, urls) {
  const record = { savedAt: new Date().toISOString(), urls };
  try {
    localStorage.setItem(recordKey(runId), JSON.stringify(record));
  } catch (error) {
    // Storage full or blocked: the pages are kept all the same, only the line after a reload is lost.
  }
  return record;
}

/** Whether the worker's caches hold a page (any of its caches; whole pages only, so Vary is ignored). */
async function kept(url) {
  if (!("caches" in window)) return false;
  return Boolean(await caches.match(new URL(url, location.origin).href, { ignoreVary: true }));
}

async function allKept(urls) {
  const found = await Promise.all(urls.map(kept));
  return found.every(Boolean);
}

function showSaved(button, record) {
  const line = button.closest(".take-offline")?.querySelector("[data-offline-saved]");
  if (!line) return;
  line.textContent = `Ready offline, saved at ${formatTime(record.savedAt)}`;
  line.hidden = false;
}

/** Ask the service worker to keep the button's pages for offline use, showing its progress. */
export async function takeOffline(button, { automatic = false } = {}) {
  const progress = button.parentElement.querySelector("[data-offline-progress]");
  const urls = JSON.parse(button.dataset.urls || "[]");
  if (!("serviceWorker" in navigator)) {
    setStatus(progress, "This browser cannot keep pages offline.");
    return;
  }
  button.disabled = true;
  const doing = automatic ? "Run started: saving it for offline" : "Saving for offline";
  setStatus(progress, `${doing}: 0 of ${urls.length}…`);
  try {
    // A worker that never starts (blocked, or a private window) must not leave the button disabled for good.
    const registration = await Promise.race([navigator.serviceWorker.ready,
      new Promise((resolve, reject) => setTimeout(() => reject(new Error("no worker")), 20000))]);
    const worker = registration.active;
    const result = await new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => reject(new Error("timeout")), 60000);
      channel.port1.onmessage = ({ data }) => {
        if (data.type === "progress") setStatus(progress, `${doing}: ${data.done} of ${data.total}…`);
        if (data.type === "done") { clearTimeout(timer); resolve(data); }
      };
      worker.postMessage({ type: "cache-pages", urls }, [channel.port2]);
    });
    setStatus(progress, result.failed.length
      ? `Could not save ${result.failed.length} of ${result.total} pages. Try again where there is a signal.`
      : `Ready offline: ${result.total} pages saved.`);
    button.dataset.ready = result.failed.length ? "" : "yes";
    if (!result.failed.length && button.dataset.runId) showSaved(button, writeRecord(button.dataset.runId, urls));
  } catch (error) {
    setStatus(progress, "Could not save the run for offline use. Try again where there is a signal.");
  } finally {
    button.disabled = false;
  }
}

/** On every load of the run page: "Ready offline, saved at …" if it still is; a started run saves itself. */
export async function showReadiness(button) {
  const urls = JSON.parse(button.dataset.urls || "[]");
  const record = button.dataset.runId ? readRecord(button.dataset.runId) : null;
  if (record && await allKept(urls)) {
    button.dataset.ready = "yes";
    showSaved(button, record);
    return;
  }
  if (button.dataset.autosave === "yes" && navigator.onLine) await takeOffline(button, { automatic: true });
}

// The worker keeps a page that loaded from the network a moment after it is shown: look again before warning.
const KEEP_GRACE_MS = 2000;

/** On a stop page with a signal: say so if this page would not open without one. */
export async function warnIfNotKept(notice) {
  if (!navigator.onLine || await kept(location.href)) return;
  await new Promise((resolve) => setTimeout(resolve, KEEP_GRACE_MS));
  if (!navigator.onLine || await kept(location.href)) return;
  notice.hidden = false;
}
