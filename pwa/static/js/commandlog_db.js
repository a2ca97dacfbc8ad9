/* The command log's IndexedDB database: opening (and upgrading) it, one-transaction work, letting go of it.
 *
 * Stores: "devices" (id + next seq per user), "commands" (by user and seq, by user and state) and, since
 * version 2, "blobs" (photos waiting to be uploaded, by user and state, by command).
 */

// The database keeps the name it had before the phone's queue was called the command log: phones hold
// queued commands under it.
const DB_NAME = "waybill-outbox";
const DB_VERSION = 2;  // 2: the "blobs" store (photos waiting to be uploaded)

let dbPromise = null;

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
export async function transact(storeNames, mode, work) {
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

let persistAsked = false;
/** Ask the browser to keep the log through storage pressure (once per page). */
export function askToPersist() {
  // Without it the browser may evict the log under storage pressure; asking is harmless if refused.
  if (persistAsked || !navigator.storage || !navigator.storage.persist) return;
  persistAsked = true;
  navigator.storage.persist().catch(() => {});
}

/** Let go of the database when the page goes away (or into the back/forward cache):
 * an open connection would hold up another tab's upgrade and the browser's own clean-up on sign-out. */
export function releaseOnPageHide() {
  window.addEventListener("pagehide", () => {
    if (dbPromise) dbPromise.then((db) => db.close(), () => {});
    dbPromise = null;
  });
}
