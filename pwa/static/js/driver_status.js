/* What the driver's pages show of the phone's log: a "Waiting to send" badge and the predicted status on
 * stops with commands not yet answered (and their photos' upload progress); once answered, the server's
 * truth again (the answered stops are fetched afresh) and, for the cash count, its settlement. A stop the
 * log says is done shows no forms (nor "Collect ... cash"), so it cannot be confirmed twice, also on a page
 * kept from before the command while offline. */
import * as commandlog from "./commandlog.js";
import { setStatus } from "./page.js";

const DELIVERY_TYPES = new Set(["delivery.confirm", "delivery.fail"]);
const STATUS_WORDS = { pending: "To deliver", delivered: "Delivered", failed: "Not delivered" };
let pendingStops = null;  // stop ids with unanswered commands at the last render
let settlePending = null;

function predicted(commands) {
  const last = commands[commands.length - 1];
  if (last.type === "delivery.confirm" || commands.some((c) => c.type === "delivery.confirm")) return "delivered";
  return "failed";
}

function byStopOf(commands) {
  const byStop = new Map();
  for (const command of commands.filter((c) => DELIVERY_TYPES.has(c.type))) {
    const id = String(command.payload.stop_id);
    byStop.set(id, [...(byStop.get(id) || []), command]);
  }
  return byStop;
}

function showForms(card, state) {
  card.querySelectorAll("[data-pending-only]").forEach((part) => { part.hidden = state !== "pending"; });
  // A failed stop says what to do with the parcel, also offline before the server's page can be fetched.
  card.querySelectorAll("[data-failed-next]").forEach((part) => { part.hidden = state !== "failed"; });
}

/* Commands the server accepted that this copy of the card predates: made on the stop as this page shows it
 * (same version), so the page is a copy kept from before them (offline, the server's page is out of reach). */
function answeredSinceCopy(card, answered) {
  if (card.dataset.status !== "pending") return null;
  const version = Number(card.dataset.version) || null;
  const made = (answered || []).filter((c) => ((c.base || {}).run_stop || {}).version === version);
  return version !== null && made.length ? made : null;
}

function renderStops(pending, photosWaiting, answered) {
  const byStop = byStopOf(pending);
  const answeredByStop = byStopOf(answered);
  const photoCommands = new Set(photosWaiting.map((b) => b.command_id));
  document.querySelectorAll("[data-stop-card]").forEach((card) => {
    const commands = byStop.get(card.dataset.stopId);
    const status = card.querySelector("[data-stop-status]");
    let badge = card.querySelector("[data-stop-badge]");
    if (!commands) {
      if (badge) badge.remove();
      const earlier = answeredSinceCopy(card, answeredByStop.get(card.dataset.stopId));
      const state = earlier ? predicted(earlier) : card.dataset.status;
      if (status) status.textContent = STATUS_WORDS[state] || status.textContent;
      showForms(card, state);
      return;
    }
    const state = predicted(commands);
    if (status) status.textContent = STATUS_WORDS[state];
    showForms(card, state);
    if (!badge) {
      badge = document.createElement("p");
      badge.className = "badge pending";
      badge.dataset.stopBadge = "";
      card.querySelector("[data-row-status]").before(badge);
    }
    const photos = commands.reduce((n, c) => n + (photoCommands.has(c.id) ? (c.blob_refs || []).length : 0), 0);
    badge.textContent = `Waiting to send: ${state === "delivered" ? "delivered" : "not delivered"}` +
      (photos ? ` (${photos} ${photos === 1 ? "photo" : "photos"})` : "");
  });
  return new Set(byStop.keys());
}

async function refreshCards(stopIds, words) {
  if (!stopIds.length || !navigator.onLine) return;
  const list = document.getElementById("run-stops");
  for (const id of stopIds) setStatus(document.querySelector(`#stop-${id} [data-row-status]`), words.get(id));
  let fresh;
  try {
    const response = await fetch(location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } });
    if (!response.ok) return;
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch (error) {
    return;
  }
  for (const id of stopIds) {
    const card = document.getElementById(`stop-${id}`);
    const replacement = fresh.getElementById(`stop-${id}`);
    if (!card || !replacement) continue;
    // A stop page keeps its forms while the stop is still open (a refused command): only a done stop's
    // page is swapped for what the server recorded.
    if (!list && replacement.dataset.status === "pending") continue;
    const copy = document.importNode(replacement, true);
    card.replaceWith(copy);
    setStatus(copy.querySelector("[data-row-status]"), words.get(id));
  }
}

function outcomeWords(command) {
  if (!command) return "Recorded on the server.";
  const outcome = command.outcome || {};
  if (command.state === commandlog.REJECTED) return `Not recorded: ${outcome.message || "refused"} See Needs attention.`;
  if (command.state === commandlog.FLAGGED) {
    const notes = (outcome.exceptions || []).map((e) => e.message).join(" ");
    return `Recorded, and the office has been told: ${notes}`;
  }
  return "Recorded on the server.";
}

/** Show the log on the page: badges and predictions, refused photos, and the outcome of what was answered. */
export async function render() {
  const [queued, sending, done, rejected, flagged, photosWaiting, refused] = await Promise.all([
    commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING), commandlog.list(commandlog.DONE),
    commandlog.list(commandlog.REJECTED), commandlog.list(commandlog.FLAGGED),
    commandlog.listBlobs(commandlog.BLOB_WAITING), commandlog.listBlobs(commandlog.BLOB_REFUSED)]);
  const photoCommandIds = new Set(photosWaiting.map((b) => b.command_id));
  // A stop stays "waiting" until its command is answered AND its photos are stored.
  const unfinished = [...queued, ...sending, ...[...done, ...flagged].filter((c) => photoCommandIds.has(c.id))];
  const now = renderStops(unfinished, photosWaiting, [...done, ...flagged]);
  for (const blob of refused) {
    const command = [...done, ...flagged].find((c) => c.id === blob.command_id);
    if (command) setStatus(document.querySelector(`#stop-${command.payload.stop_id} [data-row-status]`),
      `A photo was not accepted: ${blob.error}`);
  }
  const before = pendingStops;
  pendingStops = now;
  if (before) {
    const answered = [...before].filter((id) => !now.has(id));
    const latest = new Map();
    for (const command of [...done, ...rejected, ...flagged].sort((a, b) => a.seq - b.seq)) {
      if (DELIVERY_TYPES.has(command.type)) latest.set(String(command.payload.stop_id), command);
    }
    await refreshCards(answered, new Map(answered.map((id) => [id, outcomeWords(latest.get(id))])));
  }
  await renderSettle([...queued, ...sending], [...done, ...rejected]);
}

async function renderSettle(pending, answered) {
  const settle = document.querySelector("[data-settle]");
  if (!settle) return;
  const waiting = pending.some((c) => c.type === "run.settle");
  const status = settle.querySelector("[data-row-status]");
  // After a reload the page no longer says "Saved on this phone": it says what is still waiting.
  if (waiting && !status.textContent) setStatus(status, "Waiting to send the cash count.");
  if (settlePending && !waiting) {
    const last = answered.filter((c) => c.type === "run.settle").sort((a, b) => a.seq - b.seq).pop();
    if (last && last.state === commandlog.REJECTED) setStatus(status, `Not recorded: ${(last.outcome || {}).message || "refused"}`);
    else if (navigator.onLine) location.reload();  // show the server's settlement
  }
  settlePending = waiting;
}

/** Show how far a stop's photos have uploaded. */
export function onProgress({ commandId, loaded, total }) {
  const percent = total ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
  commandlog.list(commandlog.DONE).then((done) => commandlog.list(commandlog.FLAGGED).then((flagged) => {
    const command = [...done, ...flagged].find((c) => c.id === commandId);
    if (!command) return;
    const card = document.getElementById(`stop-${command.payload.stop_id}`);
    const progress = card && card.querySelector("[data-upload-progress]");
    // The form holding the progress line is hidden once the stop is predicted done: use the card's line.
    const line = progress && !progress.closest("[hidden]") ? progress : card && card.querySelector("[data-row-status]");
    setStatus(line, `Uploading photos: ${percent}%`);
  })).catch(() => {});
}
