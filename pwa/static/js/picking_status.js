/* What the pick list shows of the phone's log: "Waiting to send" badges and the predicted remaining units,
 * lines that are done, packs that are ready; once the server answers, what became of each command, and the
 * list fetched again (the server's truth). */
import * as commandlog from "./commandlog.js";
import { oneRenderAtATime, setStatus } from "./page.js";
import { setUpCamera } from "./picking_camera.js";
import { lineRow, lines, ours, packSection, predicted, root } from "./picking_list.js";

let pendingBefore = null;  // ids of this list's commands not yet answered, as of the last render

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
  setStatus(root.querySelector("[data-scan-status]"), scanText);
  setStatus(root.querySelector("[data-claim-status]"), claimText);
  setUpCamera();
}

/** Where the page speaks of a command: the claim's line, its pick line's row, or its order's pack. */
function messageFor(command) {
  const p = command.payload || {};
  if (command.type === "pick_list.claim") return root.querySelector("[data-claim-status]");
  if (command.type === "pack.close") return packSection(p.order_id)?.querySelector("[data-pack-status]");
  return lineRow(p.pick_line_id)?.querySelector("[data-row-status]");
}

/** What became of an answered command, in the picker's words. */
function outcomeText(command) {
  if (command.state === commandlog.REJECTED) {
    return `Not recorded: ${(command.outcome || {}).message || "refused"} (see Needs attention).`;
  }
  const notes = ((command.outcome || {}).exceptions || []).map((e) => e.message).join(" ");
  const flagged = command.state === commandlog.FLAGGED || Boolean(notes);
  return flagged ? `Recorded and flagged for the office${notes ? `: ${notes}` : "."}` : "Recorded on the server.";
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
    // In the order they were made: a line's message is about its latest action, so a refusal followed by
    // a success on the same line ends with the success (the refusal stays listed under Needs attention).
    const answered = [...done, ...flagged, ...rejected].filter((c) => before.has(c.id)).sort((x, y) => x.seq - y.seq);
    for (const command of answered) setStatus(messageFor(command), outcomeText(command));
    await refresh();
  }
  const byLine = predicted(pending);
  renderLines(byLine);
  renderPacks(byLine, pending);
  const claimWaiting = pending.some((c) => c.type === "pick_list.claim");
  const claimForm = root.querySelector('form[data-offline="pick_list.claim"]');
  if (claimForm) claimForm.hidden = claimWaiting;
}

/** Show the log on the page (one pass at a time; see page.js). */
export const render = oneRenderAtATime(renderOnce);
