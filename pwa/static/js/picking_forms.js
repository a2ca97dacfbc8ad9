/* The pick list's forms become commands in the phone's log: claim, scan (camera, hardware scanner or typed),
 * pick, short pick and pack. A scan of a code not on the list, or a form that cannot be right, is refused
 * here with a clear message and nothing is queued. */
import * as commandlog from "./commandlog.js";
import { setStatus } from "./page.js";
import { lines, listId, ours, predicted, root } from "./picking_list.js";
import { render } from "./picking_status.js";

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
                                   order_version: version, order_status: orderStatus,
                                   // The part of a split order this list's warehouse packs.
                                   warehouse_id: Number(section.dataset.warehouseId) || null },
                        label: `Pack ${section.querySelector("h3").firstChild.textContent.trim()}` },
             status, saved: "Saved on this phone: packed." };
  }
  return null;
}

/** A new action was saved: the page-wide messages of earlier ones (a wrong item scanned, the server's
 * refusal of a form sent without the log) no longer apply and must not sit beside its success. Messages on
 * other lines and packs stay: they still say what became of those. */
function clearOldMessages(target) {
  const scanStatus = root.querySelector("[data-scan-status]");
  if (scanStatus && scanStatus !== target) setStatus(scanStatus, "");
  scanStatus?.removeAttribute("role");
  target?.removeAttribute("role");
  document.querySelectorAll(".flash-error").forEach((flash) => flash.remove());
}

/** Save a pick list form as a command on the phone instead of posting it (one tap, one command). */
export async function onSubmit(event) {
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
      setStatus(built.status, built.problem);
      if (built.status) built.status.setAttribute("role", "alert");
      if (kind === "pick.scan") { form.elements.scanned.value = ""; form.elements.scanned.focus(); }  // next scan
      return;
    }
    try {
      await commandlog.enqueue(built.command);
    } catch (error) {
      console.warn("Waybill: could not save on this phone", error);
      if (navigator.onLine) { form.submit(); return; }  // the log is unusable: post it the ordinary way
      setStatus(built.status, "Could not save this on the phone, and there is no connection: nothing was recorded.");
      return;
    }
    clearOldMessages(built.status);
    setStatus(built.status, built.saved);
    if (built.rowStatus) setStatus(built.rowStatus, built.saved);
    if (built.clear) { built.clear.value = ""; built.clear.focus(); }  // ready for the next scan
    await render();
  } finally {
    button.disabled = false;
  }
}
