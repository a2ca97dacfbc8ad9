/* The driver's run page offline: moving a stop up or down is written to the phone's command log as
 * `run.reorder` v1 (every stop id in the new order, plus the run version the driver saw) instead of being
 * posted. The list is reordered on the phone at once, the stop says "Saved on this phone", then
 * "Waiting to send" until the server answers; then the run is fetched again (the server's truth).
 * Without IndexedDB the buttons post the ordinary way (the same MoveStop command).
 *
 * The phone expects each of its reorders to move the run's version by one, so several moves made offline
 * are sent in a chain; if the office changed the run meanwhile, the server refuses with `run.changed`
 * and the move shows in "Needs attention".
 */
import * as commandlog from "./commandlog.js";

const root = document.querySelector("[data-run]");
const runId = root ? Number(root.dataset.runId) : null;
let pendingBefore = null;

function stops() {
  return [...root.querySelectorAll("[data-stop]")];
}

function say(stop, text) {
  const status = stop && stop.querySelector("[data-row-status]");
  if (status) status.textContent = text;
}

/** Positions and the up/down targets follow the list as it now stands on the phone. */
function renumber() {
  const all = stops();
  all.forEach((stop, index) => {
    stop.querySelector("[data-position]").textContent = String(index + 1);
    const up = stop.querySelector('[data-move="up"]');
    const down = stop.querySelector('[data-move="down"]');
    if (up) { up.value = String(index); up.disabled = index === 0; }
    if (down) { down.value = String(index + 2); down.disabled = index === all.length - 1; }
    const base = stop.querySelector("[data-base-version]");
    if (base) base.value = root.dataset.runVersion;
  });
}

function ours(command) {
  return command.type === "run.reorder" && (command.payload || {}).run_id === runId;
}

async function onMove(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.offline !== "run.reorder") return;
  event.preventDefault();
  const button = event.submitter;
  const target = Number(button && button.value);
  const stop = form.closest("[data-stop]");
  const ids = stops().map((s) => Number(s.dataset.stopId));
  const stopId = Number(stop.dataset.stopId);
  if (!(target >= 1 && target <= ids.length)) return;
  ids.splice(ids.indexOf(stopId), 1);
  ids.splice(target - 1, 0, stopId);
  const baseVersion = Number(root.dataset.runVersion);
  const command = {
    type: "run.reorder", v: 1, base: { delivery_run: { id: runId, version: baseVersion } },
    payload: { run_id: runId, stop_ids: ids, base_version: baseVersion },
    label: `Stop ${stop.dataset.orderNumber} moved to ${target}`,
  };
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    await commandlog.enqueue(command);
  } catch (error) {
    console.warn("Waybill: could not save the move on this phone", error);
    if (navigator.onLine) {
      const field = document.createElement("input");
      field.type = "hidden"; field.name = "position"; field.value = String(target);
      form.append(field);
      form.submit();
      return;
    }
    say(stop, "Could not save this on the phone, and there is no connection: nothing was changed. Try again.");
    renumber();
    return;
  }
  root.dataset.runVersion = String(baseVersion + 1);
  const list = root.querySelector("[data-stops]");
  const order = new Map(ids.map((id, i) => [id, i]));
  stops().sort((a, b) => order.get(Number(a.dataset.stopId)) - order.get(Number(b.dataset.stopId)))
    .forEach((s) => list.append(s));
  renumber();
  say(stop, `Saved on this phone: moved to stop ${target}.`);
  const focusBack = stop.querySelector(button.dataset.move === "up" ? '[data-move="up"]' : '[data-move="down"]');
  (focusBack && !focusBack.disabled ? focusBack : stop.querySelector("button:not([disabled])"))?.focus();
}

/** Once every queued move of this run has its outcome, show the run as the server has it. */
async function refresh(note) {
  if (!navigator.onLine) return;
  let fresh;
  try {
    const response = await fetch(`/dispatch/runs/${runId}`, { credentials: "same-origin" });
    if (!response.ok) return;
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch (error) {
    return;
  }
  const freshRoot = fresh.querySelector("[data-run]");
  if (!freshRoot) return;
  root.dataset.runVersion = freshRoot.dataset.runVersion;
  root.querySelector("[data-stops]").replaceWith(document.importNode(freshRoot.querySelector("[data-stops]"), true));
  const first = stops()[0];
  if (first && note) say(first, note);
}

async function render() {
  const [queued, sending, rejected] = await Promise.all([
    commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING), commandlog.list(commandlog.REJECTED)]);
  const pending = [...queued, ...sending].filter(ours);
  for (const stop of stops()) {
    let badge = stop.querySelector("[data-row-badge]");
    const waiting = pending.filter((c) => c.payload.stop_ids && c.label.startsWith(`Stop ${stop.dataset.orderNumber} `));
    if (!waiting.length) { if (badge) badge.remove(); continue; }
    if (!badge) {
      badge = document.createElement("p");
      badge.className = "badge pending";
      badge.dataset.rowBadge = "";
      stop.querySelector("[data-row-status]").before(badge);
    }
    badge.textContent = "Waiting to send: new stop order";
  }
  const now = new Set(pending.map((c) => c.id));
  const before = pendingBefore;
  pendingBefore = now;
  if (before && before.size && !pending.length) {
    const refused = rejected.filter(ours).some((c) => before.has(c.id));
    await refresh(refused ? "Not recorded: see Needs attention." : "Recorded on the server.");
  }
}

function start() {
  const userId = document.querySelector('meta[name="waybill-user"]')?.content;
  if (!root || !userId || !commandlog.supported()) return;
  // offline.js configures the shared log for this user; this page adds its own forms and refresh.
  document.addEventListener("submit", onMove);
  commandlog.onChange(() => render().catch((error) => console.warn("Waybill: run page", error)));
  window.addEventListener("online", () => render());
  render().catch(() => {});
}

start();
