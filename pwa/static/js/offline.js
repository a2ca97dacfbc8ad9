/* What people see of the command log (README, "Offline sync"), on every signed-in page:
 *
 * - the sync chip: "Synced" / "Offline – N waiting" / "Sending N" / "N needs attention", counted from
 *   IndexedDB, in words (colour only helps), announced politely;
 * - forms marked data-offline="stock.adjust" (a change) or "stock.count" (count mode) are written to the log
 *   instead of posted, and their row
 *   says "Saved on this phone" only once the write has completed, then "Waiting to send";
 * - when a row's commands have their outcome, the row is fetched again from the server (its truth);
 * - the sync page's list of what is waiting to be sent, and the "Needs attention" list (attention.js) of commands refused or flagged, each dismissed only by a person;
 * - "Sync now" buttons, and sign-out held back while this person's changes wait to be sent.
 *
 * Without IndexedDB (or signed out) nothing here runs and the forms post the ordinary way.
 */
import * as commandlog from "./commandlog.js";
import { renderAttention, renderWaiting, signed } from "./attention.js";
import { oneRenderAtATime, showFieldError } from "./page.js";

const CHANGE_PATTERN = /^[+-]?\d{1,7}$/;
const MAX_CHANGE = 1000000;

const userId = document.querySelector('meta[name="waybill-user"]')?.content;
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;
let latest = { waiting: 0, sending: 0, attention: 0 };
let pendingKeys = null;  // rows with commands not yet answered, as of the last render

function plural(n, one, many) {
  return n === 1 ? one : many;
}

/** The chip's words for the counts; the state attribute only picks a colour. */
export function chipText({ waiting, sending, attention, photos = 0 }, online, paused) {
  let text;
  let state = "synced";
  if (sending) {
    text = waiting ? `Sending ${sending} of ${sending + waiting}` : `Sending ${sending}`;
    state = "sending";
  } else if (waiting) {
    state = "waiting";
    if (!online) text = `Offline – ${waiting} waiting`;
    else if (paused === "sign-in") text = `${waiting} waiting – sign in again to send`;
    else if (paused) text = `${waiting} waiting – not accepted, reload the page`;
    else text = `${waiting} waiting`;
  } else if (photos) {
    // Commands are answered but their photos are still on the phone (driver area): not "Synced" yet.
    const what = `${photos} ${plural(photos, "photo", "photos")}`;
    text = online && !paused ? `Sending ${what}` : `Offline – ${what} waiting`;
    state = online && !paused ? "sending" : "waiting";
  }
  if (attention) {
    const words = `${attention} ${plural(attention, "needs", "need")} attention`;
    text = text ? `${text} · ${words}` : words;
    state = "attention";
  }
  return { text: text || "Synced", state };
}

async function renderChip(counts) {
  const chip = document.querySelector("[data-sync-chip]");
  const label = document.getElementById("sync-status");
  if (!chip || !label) return;
  const { text, state } = chipText(counts, navigator.onLine, commandlog.pausedReason());
  if (label.textContent !== text) label.textContent = text;
  chip.dataset.state = state;
  chip.hidden = false;
}

// -- rows of the stock page ------------------------------------------------------------------------
// The stock commands this page writes: a change as `stock.adjust` v1, a count as `stock.count` v1 (a delta
// from the on-hand the row showed, which the server requires). Older phones' counts were `stock.adjust` v1.
const STOCK_COMMANDS = new Set(["stock.adjust", "stock.count"]);

// One row per product (its levels in every warehouse shown), so a row is keyed by the product.
function rowKey(payload) {
  return `${payload.product_id}`;
}

function rowFor(key) {
  return document.getElementById(`stock-${key}`);
}

function setRowStatus(row, text) {
  const status = row && row.querySelector("[data-row-status]");
  if (status) status.textContent = text;
}

function renderBadges(pending) {
  const byRow = new Map();
  for (const command of pending.filter((c) => STOCK_COMMANDS.has(c.type))) {
    const key = rowKey(command.payload);
    const entry = byRow.get(key) || { count: 0, delta: 0 };
    entry.count += 1;
    entry.delta += command.payload.on_hand_delta;
    byRow.set(key, entry);
  }
  document.querySelectorAll("[data-stock-row]").forEach((row) => {
    const key = row.dataset.productId;
    let badge = row.querySelector("[data-row-badge]");
    const entry = byRow.get(key);
    if (!entry) { if (badge) badge.remove(); return; }
    if (!badge) {
      badge = document.createElement("p");
      badge.className = "badge pending";
      badge.dataset.rowBadge = "";
      row.querySelector("[data-row-status]").before(badge);
    }
    const many = entry.count > 1 ? ` (${entry.count} changes)` : "";
    badge.textContent = `Waiting to send: ${signed(entry.delta)}${many}`;
  });
  return new Set(byRow.keys());
}

/** Rows whose commands all have an outcome now show the server's numbers again. */
async function refreshRows(keys, outcomes) {
  const levels = document.getElementById("stock-levels");
  if (!levels || !keys.length || !navigator.onLine) return;
  let fresh;
  try {
    const response = await fetch("/floor/stock", { credentials: "same-origin", headers: { "HX-Request": "true" } });
    if (!response.ok) return;
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch (error) {
    return;  // offline again: the row keeps its old numbers until the next refresh
  }
  for (const key of keys) {
    const row = rowFor(key);
    const replacement = fresh.getElementById(`stock-${key}`);
    if (!row || !replacement) continue;
    // Only the numbers and the version they belong to change: the form keeps what someone may be typing.
    row.querySelector(".levels").replaceWith(document.importNode(replacement.querySelector(".levels"), true));
    // A count is worked out from these: they must be the numbers the row now shows.
    row.querySelectorAll("[data-shown-on-hand]").forEach((input) => {
      const fresher = replacement.querySelector(`[data-shown-on-hand="${input.dataset.shownOnHand}"]`);
      if (fresher) input.value = fresher.value;
    });
    row.querySelectorAll("[data-count-mode]").forEach(showCountPreview);
    if (outcomes.has(key)) setRowStatus(row, outcomes.get(key));
  }
}

/** Someone else changed stock (a nudge from the server): every row shows the server's numbers again. */
let liveRefresh = null;
function refreshAllRowsSoon() {
  clearTimeout(liveRefresh);
  liveRefresh = setTimeout(() => {
    const keys = [...document.querySelectorAll("[data-stock-row]")].map((row) => row.id.replace(/^stock-/, ""));
    refreshRows(keys, new Map());
  }, 250);
}

// -- rendering everything from the log, one pass at a time -----------------------------------------
async function renderOnce() {
  const [queued, sending, rejected, flagged, counts] = await Promise.all([
    commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING), commandlog.list(commandlog.REJECTED),
    commandlog.list(commandlog.FLAGGED), commandlog.counts()]);
  latest = counts;
  await renderChip(counts);
  renderAttention([...rejected, ...flagged].sort((a, b) => a.seq - b.seq));
  renderWaiting([...sending, ...queued].sort((a, b) => a.seq - b.seq));
  const now = renderBadges([...queued, ...sending]);
  const before = pendingKeys;
  pendingKeys = now;
  if (before) {
    const answered = [...before].filter((key) => !now.has(key));
    const refusedKeys = new Set(rejected.filter((c) => STOCK_COMMANDS.has(c.type)).map((c) => rowKey(c.payload)));
    const outcomes = new Map(answered.map((key) => [key, refusedKeys.has(key)
      ? "Not recorded: see Needs attention." : "Recorded on the server."]));
    await refreshRows(answered, outcomes);
  }
}

const render = oneRenderAtATime(renderOnce);

// -- the count form --------------------------------------------------------------------------------

/** The chosen warehouse's on-hand as the row shows it (a count's base), or null if the row has none. */
function shownOnHand(form) {
  const input = form.querySelector(`[data-shown-on-hand="${form.elements.warehouse_id.value}"]`);
  return input ? Number(input.value) : null;
}

/** "Was 12, counted 10: -2" under the count field while the counter types. */
function showCountPreview(form) {
  const preview = form.querySelector("[data-count-preview]");
  const raw = form.elements.counted.value.trim();
  const was = shownOnHand(form);
  if (!/^\d{1,7}$/.test(raw) || was === null) { preview.textContent = "Type the total you counted."; return; }
  const change = Number(raw) - was;
  preview.textContent = `Was ${was}, counted ${Number(raw)}: ${change ? signed(change) : "no change"}`;
}

/** Count mode: the total counted becomes a `stock.count` v1: the change from the on-hand the row showed, sent
 * with it (a level the warehouse does not have yet shows 0, and the count creates it). */
function readTotalCount(form) {
  const raw = form.elements.counted.value.trim();
  const was = shownOnHand(form);
  let problem = "";
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > MAX_CHANGE) problem = "Enter how many you counted, like 10.";
  else if (was === null) problem = "Reload the page and count again.";
  else if (Number(raw) === was) problem = `Counted ${was}, the same as on hand: nothing to change.`;
  showFieldError(form.elements.counted, problem);
  if (problem) { form.elements.counted.focus(); return null; }
  return stockCommand(form, "count", Number(raw) - was, "", was);
}

function stockCommand(form, reason, change, note, expectedOnHand) {
  const row = form.closest("[data-stock-row]");
  const warehouseId = Number(form.elements.warehouse_id.value);
  const productId = Number(form.elements.product_id.value);
  const level = row && row.querySelector(`[data-level][data-warehouse-id="${warehouseId}"]`);
  const version = Number(level && level.dataset.version) || null;
  const counting = expectedOnHand !== null;
  const payload = counting
    ? { warehouse_id: warehouseId, product_id: productId, on_hand_delta: change, expected_on_hand: expectedOnHand, note }
    : { warehouse_id: warehouseId, product_id: productId, reason, on_hand_delta: change, note };
  return {
    type: counting ? "stock.count" : "stock.adjust", v: 1,
    base: { stock_level: { warehouse_id: warehouseId, product_id: productId, version } },
    payload,
    label: row && level ? `${row.dataset.sku} in ${level.dataset.warehouseCode}` : "",
  };
}

/** The form's command, or null after showing what to fix (the same limits as the server's schema). */
function readCountForm(form) {
  if (form.elements.counted) return readTotalCount(form);
  const raw = form.elements.change.value.trim();
  const change = Number(raw);
  let problem = "";
  if (!CHANGE_PATTERN.test(raw)) problem = "Enter a whole number, like 3 or -2.";
  else if (change === 0) problem = "Enter the difference you found; 0 changes nothing.";
  else if (Math.abs(change) > MAX_CHANGE) problem = `Enter a change between -${MAX_CHANGE} and ${MAX_CHANGE}.`;
  showFieldError(form.elements.change, problem);
  if (problem) { form.elements.change.focus(); return null; }
  return stockCommand(form, form.elements.reason.value, change, form.elements.note.value.trim().slice(0, 500), null);
}

async function onCountSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !STOCK_COMMANDS.has(form.dataset.offline)) return;
  event.preventDefault();
  const command = readCountForm(form);
  if (!command) return;
  const row = form.closest("[data-stock-row]");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;  // one tap, one command
  try {
    await commandlog.enqueue(command);
    for (const name of ["change", "note", "counted"]) if (form.elements[name]) form.elements[name].value = "";
    if (form.elements.counted) showCountPreview(form);
    setRowStatus(row, `Saved on this phone: ${signed(command.payload.on_hand_delta)}.`);
  } catch (error) {
    console.warn("Waybill: could not save the change on this phone", error);
    if (navigator.onLine) {
      form.submit();  // the log is unusable (storage full or blocked): post it the ordinary way
      return;
    }
    setRowStatus(row, "Could not save this on the phone, and there is no connection: nothing was recorded. Try again.");
  } finally {
    button.disabled = false;
  }
}

// -- sign-out and "Sync now" -----------------------------------------------------------------------
function holdSignOutWhilePending(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-sign-out]")) return;
  const pending = latest.waiting + latest.sending + (latest.photos || 0);
  if (!pending) return;
  // Runs before app.js's own sign-out handler (capture on window): the queue belongs to this person.
  event.preventDefault();
  event.stopImmediatePropagation();
  let notice = document.getElementById("sign-out-held");
  if (!notice) {
    notice = document.createElement("p");
    notice.id = "sign-out-held";
    notice.className = "flash flash-error";
    notice.setAttribute("role", "alert");
    document.getElementById("main").prepend(notice);
  }
  notice.textContent = `${pending} ${plural(pending, "change is", "changes are")} still waiting to be sent from this ` +
    "phone. Sign out once the chip says Synced (they are sent as soon as there is a connection).";
}

function start() {
  if (!userId || !commandlog.supported()) return;
  commandlog.configure({ userId, csrfToken });
  document.addEventListener("submit", onCountSubmit);
  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (form && form.matches("[data-count-mode]")) showCountPreview(form);
  });
  window.addEventListener("submit", holdSignOutWhilePending, true);
  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("[data-sync-now]")) commandlog.flush({ manual: true });
  });
  commandlog.onChange(render);
  document.body.addEventListener("waybill:change", (event) => {
    if (event.detail.aggregate === "stock_level") refreshAllRowsSoon();
  });
  window.addEventListener("online", render);
  window.addEventListener("offline", render);
  render();
  commandlog.startFlushing();
}

start();
