/* The pick list page offline: claim, pick (camera scan, hardware scanner, tap), short pick, pack.
 *
 * Each form's submit is written to the phone's command log (commandlog.js) instead of being posted; the row
 * says "Saved on this phone" only once the write has completed, and shows the phone's prediction as
 * "waiting to send" until the server's outcome arrives; then the list is fetched again (the server's truth).
 * Without IndexedDB the forms post the ordinary way, through the same commands.
 *
 * Scans: a hardware scanner types into the "Barcode or SKU" field and presses Enter (a form submit);
 * where the browser has BarcodeDetector, "Scan with camera" reads the code from the camera. A code that
 * is not on the list is refused here with a clear message and nothing is queued.
 */
import * as commandlog from "./commandlog.js";
import { oneRenderAtATime } from "./page.js";

const root = document.querySelector("[data-pick-list]");
const PICK_TYPES = new Set(["pick_list.claim", "pick.record", "pick.short", "pack.close"]);
let pendingBefore = null;  // ids of this list's commands not yet answered, as of the last render

const listId = root ? Number(root.dataset.pickListId) : null;

function lines() {
  return [...root.querySelectorAll("[data-pick-line]")];
}

function lineRow(id) {
  return root.querySelector(`[data-pick-line][data-line-id="${id}"]`);
}

function packSection(orderId) {
  return root.querySelector(`[data-pack][data-order-id="${orderId}"]`);
}

function say(element, text) {
  if (element) element.textContent = text;
}

/** Commands of this page: the claim of this list, picks/shorts of its lines, packs of its orders. */
function ours(command) {
  if (!PICK_TYPES.has(command.type)) return false;
  const p = command.payload || {};
  if (command.type === "pick_list.claim") return p.pick_list_id === listId;
  if (command.type === "pack.close") return Boolean(packSection(p.order_id));
  return Boolean(lineRow(p.pick_line_id));
}

/** Picked and short units per line as the server said, plus what this phone has not sent yet. */
function predicted(pending) {
  const byLine = new Map(lines().map((row) => [Number(row.dataset.lineId), {
    quantity: Number(row.dataset.quantity), picked: Number(row.dataset.picked), short: Number(row.dataset.short),
    waitingPicked: 0, waitingShort: 0 }]));
  for (const command of pending) {
    const entry = byLine.get((command.payload || {}).pick_line_id);
    if (!entry) continue;
    if (command.type === "pick.record") entry.waitingPicked += command.payload.quantity;
    if (command.type === "pick.short") entry.waitingShort += command.payload.missing;
  }
  for (const entry of byLine.values()) {
    entry.remaining = Math.max(entry.quantity - entry.picked - entry.short - entry.waitingPicked - entry.waitingShort, 0);
  }
  return byLine;
}

function renderLines(byLine) {
  for (const row of lines()) {
    const entry = byLine.get(Number(row.dataset.lineId));
    let badge = row.querySelector("[data-row-badge]");
    const waiting = entry.waitingPicked || entry.waitingShort;
    if (!waiting) {
      if (badge) badge.remove();
    } else {
      if (!badge) {
        badge = document.createElement("p");
        badge.className = "badge pending";
        badge.dataset.rowBadge = "";
        row.querySelector("[data-row-status]").before(badge);
      }
      const parts = [];
      if (entry.waitingPicked) parts.push(`picked ${entry.waitingPicked}`);
      if (entry.waitingShort) parts.push(`${entry.waitingShort} short`);
      badge.textContent = `Waiting to send: ${parts.join(", ")}`;
    }
    const done = entry.remaining === 0;
    row.classList.toggle("done", done);
    const actions = row.querySelector("[data-actions]");
    if (actions) actions.hidden = done;
    const missing = row.querySelector('input[name="missing"]');
    if (missing && !done && document.activeElement !== missing) missing.value = String(entry.remaining);
  }
}

function renderPacks(byLine, pending) {
  for (const section of root.querySelectorAll("[data-pack]")) {
    const orderId = Number(section.dataset.orderId);
    const form = section.querySelector('form[data-offline="pack.close"]');
    if (!form) continue;
    const waiting = pending.some((c) => c.type === "pack.close" && c.payload.order_id === orderId);
    const button = form.querySelector("button[type=submit]");
    button.disabled = waiting;
    const ready = [...byLine.entries()].every(([id, e]) => Number(lineRow(id).dataset.orderId) !== orderId
                                                           || e.remaining === 0);
    section.dataset.ready = ready ? "yes" : "no";
  }
}

async function refresh() {
  if (!navigator.onLine) return;
  let fresh;
  try {
    const response = await fetch(location.pathname, { credentials: "same-origin", headers: { "HX-Request": "true" } });
    if (!response.ok) return;
    fresh = await response.text();
  } catch (error) {
    return;  // offline again: the page keeps its prediction until the next outcome
  }
  // Keep the messages of this page's rows (they say what became of the commands) across the swap.
  const notes = new Map([...root.querySelectorAll("[id] [data-row-status], [id] [data-pack-status]")]
    .map((el) => [el.closest("[id]").id, el.textContent]));
  const scanText = root.querySelector("[data-scan-status]")?.textContent || "";
  const claimText = root.querySelector("[data-claim-status]")?.textContent || "";
  root.innerHTML = fresh;
  for (const [id, text] of notes) {
    const el = document.getElementById(id)?.querySelector("[data-row-status], [data-pack-status]");
    if (el && text) el.textContent = text;
  }
  say(root.querySelector("[data-scan-status]"), scanText);
  say(root.querySelector("[data-claim-status]"), claimText);
  setUpCamera();
}

async function renderOnce() {
  // FLAGGED: applied with an exception for the office (commandlog.js); older logs have only DONE.
  const [queued, sending, done, flagged, rejected] = await Promise.all([
    commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING), commandlog.list(commandlog.DONE),
    commandlog.FLAGGED ? commandlog.list(commandlog.FLAGGED) : [], commandlog.list(commandlog.REJECTED)]);
  const pending = [...queued, ...sending].filter(ours);
  const ids = new Set(pending.map((c) => c.id));
  const before = pendingBefore;
  pendingBefore = ids;
  if (before && [...before].some((id) => !ids.has(id))) {
    const answered = [...done, ...flagged, ...rejected].filter((c) => before.has(c.id));
    for (const command of answered.filter((c) => c.state === commandlog.REJECTED)) {
      const p = command.payload || {};
      const target = command.type === "pick_list.claim" ? root.querySelector("[data-claim-status]")
        : command.type === "pack.close" ? packSection(p.order_id)?.querySelector("[data-pack-status]")
          : lineRow(p.pick_line_id)?.querySelector("[data-row-status]");
      say(target, `Not recorded: ${(command.outcome || {}).message || "refused"} (see Needs attention).`);
    }
    for (const command of answered.filter((c) => c.state !== commandlog.REJECTED)) {
      const p = command.payload || {};
      const notes = ((command.outcome || {}).exceptions || []).map((e) => e.message).join(" ");
      const flagged = command.state === commandlog.FLAGGED || Boolean(notes);
      const text = flagged ? `Recorded and flagged for the office${notes ? `: ${notes}` : "."}` : "Recorded on the server.";
      if (command.type === "pick_list.claim") say(root.querySelector("[data-claim-status]"), text);
      else if (command.type === "pack.close") say(packSection(p.order_id)?.querySelector("[data-pack-status]"), text);
      else say(lineRow(p.pick_line_id)?.querySelector("[data-row-status]"), text);
    }
    await refresh();
  }
  const byLine = predicted(pending);
  renderLines(byLine);
  renderPacks(byLine, pending);
  const claimWaiting = pending.some((c) => c.type === "pick_list.claim");
  const claimForm = root.querySelector('form[data-offline="pick_list.claim"]');
  if (claimForm) claimForm.hidden = claimWaiting;
}

const render = oneRenderAtATime(renderOnce);

// -- building the commands from the forms ------------------------------------------------------------
function label(row) {
  return row ? `${row.dataset.sku} on pick list ${listId}` : `Pick list ${listId}`;
}

async function currentPrediction() {
  const [queued, sending] = await Promise.all([commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING)]);
  return predicted([...queued, ...sending].filter(ours));
}

/** The line a scanned code picks for: the first line of that product (walk order) with units still to pick. */
async function lineForScan(code) {
  const wanted = code.trim();
  const matching = lines().filter((row) => (row.dataset.barcode && row.dataset.barcode === wanted)
                                           || row.dataset.sku.toUpperCase() === wanted.toUpperCase());
  if (!matching.length) return { problem: `Wrong item: ${wanted} is not on this pick list. Put it back.` };
  const byLine = await currentPrediction();
  const row = matching.find((r) => byLine.get(Number(r.dataset.lineId)).remaining > 0);
  if (!row) return { problem: `Every ${matching[0].dataset.sku} on this list is already picked. Put it back.` };
  return { row };
}

async function commandFor(form) {
  const kind = form.dataset.offline;
  if (kind === "pick_list.claim") {
    return { command: { type: "pick_list.claim", v: 1, base: { pick_list: { id: listId } },
                        payload: { pick_list_id: listId }, label: `Claim pick list ${listId}` },
             status: root.querySelector("[data-claim-status]"), saved: "Claim saved on this phone." };
  }
  if (kind === "pick.scan") {
    const input = form.elements.scanned;
    const code = input.value.trim();
    const status = root.querySelector("[data-scan-status]");
    if (!code) return { problem: "Scan a barcode or type a SKU.", status };
    const { row, problem } = await lineForScan(code);
    if (problem) return { problem, status };
    return { command: { type: "pick.record", v: 1, base: { pick_list: { id: listId } },
                        payload: { pick_line_id: Number(row.dataset.lineId), quantity: 1, scanned: code },
                        label: label(row) },
             status, rowStatus: row.querySelector("[data-row-status]"),
             saved: `Saved on this phone: picked 1 ${row.dataset.sku}.`, clear: input };
  }
  const row = form.closest("[data-pick-line]");
  if (kind === "pick.record") {
    const quantity = Number(form.elements.quantity.value) || 1;
    return { command: { type: "pick.record", v: 1, base: { pick_list: { id: listId } },
                        payload: { pick_line_id: Number(row.dataset.lineId), quantity, scanned: null },
                        label: label(row) },
             status: row.querySelector("[data-row-status]"), saved: `Saved on this phone: picked ${quantity}.` };
  }
  if (kind === "pick.short") {
    const raw = form.elements.missing.value.trim();
    const missing = Number(raw);
    const status = row.querySelector("[data-row-status]");
    if (!/^\d{1,5}$/.test(raw) || missing < 1) return { problem: "Enter how many units are missing (1 or more).", status };
    return { command: { type: "pick.short", v: 1, base: { pick_list: { id: listId } },
                        payload: { pick_line_id: Number(row.dataset.lineId), missing }, label: label(row) },
             status, saved: `Saved on this phone: ${missing} short.` };
  }
  if (kind === "pack.close") {
    const section = form.closest("[data-pack]");
    const status = section.querySelector("[data-pack-status]");
    const weight = Number(form.elements.weight_grams.value);
    if (!Number.isInteger(weight) || weight < 1 || weight > 70000) {
      return { problem: "Enter the parcel's weight in grams, like 2600.", status };
    }
    if (section.dataset.ready !== "yes") {
      return { problem: "Not every line of this order is picked yet: finish picking or report a short pick first.", status };
    }
    const orderId = Number(section.dataset.orderId);
    const version = Number(section.dataset.orderVersion);
    const orderStatus = section.dataset.orderStatus;
    return { command: { type: "pack.close", v: 1, base: { order: { id: orderId, version, status: orderStatus } },
                        payload: { order_id: orderId, parcels: [{ box_code: form.elements.box_code.value, weight_grams: weight }],
                                   order_version: version, order_status: orderStatus },
                        label: `Pack ${section.querySelector("h3").firstChild.textContent.trim()}` },
             status, saved: "Saved on this phone: packed." };
  }
  return null;
}

async function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !root.contains(form)) return;
  const kind = form.dataset.offline;
  if (!["pick_list.claim", "pick.scan", "pick.record", "pick.short", "pack.close"].includes(kind)) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  if (button.disabled) return;
  button.disabled = true;  // one tap, one command
  try {
    const built = await commandFor(form);
    if (!built) return;
    if (built.problem) {
      say(built.status, built.problem);
      if (built.status) built.status.setAttribute("role", "alert");
      if (kind === "pick.scan") { form.elements.scanned.value = ""; form.elements.scanned.focus(); }  // next scan
      return;
    }
    built.status?.removeAttribute("role");
    try {
      await commandlog.enqueue(built.command);
    } catch (error) {
      console.warn("Waybill: could not save on this phone", error);
      if (navigator.onLine) { form.submit(); return; }  // the log is unusable: post it the ordinary way
      say(built.status, "Could not save this on the phone, and there is no connection: nothing was recorded.");
      return;
    }
    say(built.status, built.saved);
    if (built.rowStatus) say(built.rowStatus, built.saved);
    if (built.clear) { built.clear.value = ""; built.clear.focus(); }  // ready for the next scan
    await render();
  } finally {
    button.disabled = false;
  }
}

// -- camera scanning (BarcodeDetector where the browser has it) -----------------------------------------
let stream = null;

async function scanWithCamera() {
  const form = root.querySelector('form[data-offline="pick.scan"]');
  const video = root.querySelector("[data-camera-view]");
  const status = root.querySelector("[data-scan-status]");
  if (stream) { stopCamera(); return; }
  try {
    const detector = new window.BarcodeDetector();
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    say(status, "Point the camera at the barcode.");
    const look = async () => {
      if (!stream) return;
      try {
        const codes = await detector.detect(video);
        if (codes.length) {
          form.elements.scanned.value = codes[0].rawValue;
          stopCamera();
          form.requestSubmit();
          return;
        }
      } catch (error) { /* a frame that cannot be read: try the next one */ }
      setTimeout(look, 250);
    };
    look();
  } catch (error) {
    stopCamera();
    say(status, "The camera is not available: type the code or use a scanner.");
  }
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  const video = root.querySelector("[data-camera-view]");
  if (video) video.hidden = true;
}

function setUpCamera() {
  const button = root.querySelector("[data-camera]");
  if (!button) return;
  button.hidden = !("BarcodeDetector" in window && navigator.mediaDevices);
}

function start() {
  if (!root || !commandlog.supported()) return;
  const userId = document.querySelector('meta[name="waybill-user"]')?.content;
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;
  if (!userId) return;
  commandlog.configure({ userId, csrfToken });
  document.addEventListener("submit", onSubmit);
  root.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("[data-camera]")) scanWithCamera();
  });
  setUpCamera();
  commandlog.onChange(render);
  window.addEventListener("online", render);
  render();
}

start();
