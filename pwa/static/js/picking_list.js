/* The pick list on the page: its lines and packs, which commands of the log are this page's, and the
 * phone's prediction of what is left to pick. Shared by the pick list's modules. */

/** The pick list section of the page (null on any other page). */
export const root = document.querySelector("[data-pick-list]");
/** The id of the pick list on the page. */
export const listId = root ? Number(root.dataset.pickListId) : null;
const PICK_TYPES = new Set(["pick_list.claim", "pick.record", "pick.short", "pack.close"]);

/** The rows of the list's lines, in walk order. */
export function lines() {
  return [...root.querySelectorAll("[data-pick-line]")];
}

/** The row of one line, by its id. */
export function lineRow(id) {
  return root.querySelector(`[data-pick-line][data-line-id="${id}"]`);
}

/** The pack section of one order, by its id. */
export function packSection(orderId) {
  return root.querySelector(`[data-pack][data-order-id="${orderId}"]`);
}

/** Commands of this page: the claim of this list, picks/shorts of its lines, packs of its orders. */
export function ours(command) {
  if (!PICK_TYPES.has(command.type)) return false;
  const p = command.payload || {};
  if (command.type === "pick_list.claim") return p.pick_list_id === listId;
  if (command.type === "pack.close") return Boolean(packSection(p.order_id));
  return Boolean(lineRow(p.pick_line_id));
}

/** Picked and short units per line as the server said, plus what this phone has not sent yet. */
export function predicted(pending) {
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
