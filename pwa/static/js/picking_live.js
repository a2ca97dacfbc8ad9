/* "This pick list changed on another phone": shown only for changes made elsewhere.
 *
 * Every change of a pick list reaches the page as a live nudge (live.js) carrying the list's new version,
 * this phone's own claim and picks included. The server's answer to each of this phone's commands lists
 * the versions it produced (outcome.events), so a nudge is this phone's own when its version is among
 * them. The nudge can arrive before that answer: while a command of this list is still waiting for its
 * answer, the nudge is held and judged again once the answer is stored. A version the page already
 * shows (loaded or refreshed after the change) is no news either.
 */
import * as commandlog from "./commandlog.js";
import { listId, ours, root } from "./picking_list.js";

// A nudge held longer than this is judged with what is known then (a push times out after 20 s).
const HOLD_MS = 30000;
let held = [];  // nudges about this list waiting for this phone's answers: {version, since}

/** The list's version on the page as the server last rendered it. */
function shownVersion() {
  return Number(root.querySelector("[data-pick-list-version]")?.dataset.pickListVersion) || 0;
}

function ownVersions(answered) {
  const versions = new Set();
  for (const command of answered.filter(ours)) {
    for (const event of (command.outcome || {}).events || []) {
      if (event.aggregate === "pick_list" && event.id === listId) versions.add(event.version);
    }
  }
  return versions;
}

/** Decide about each held nudge: this phone's own (forget it), someone else's (say so), or not yet known. */
export async function judge() {
  if (!held.length) return;
  const [queued, sending, done, flagged] = await Promise.all([
    commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING), commandlog.list(commandlog.DONE),
    commandlog.FLAGGED ? commandlog.list(commandlog.FLAGGED) : []]);
  const own = ownVersions([...done, ...flagged]);
  const waiting = navigator.onLine && [...queued, ...sending].some(ours);
  const now = Date.now();
  const elsewhere = [];
  held = held.filter((nudge) => {
    if (own.has(nudge.version)) return false;
    if (waiting && now - nudge.since < HOLD_MS) return true;
    elsewhere.push(nudge);
    return false;
  });
  if (elsewhere.length) {
    const notice = document.querySelector("[data-pick-list-notice]");
    if (notice) notice.hidden = false;
  }
  if (held.length) setTimeout(judge, HOLD_MS);
}

/** Listen for nudges about this pick list. */
export function watchChanges() {
  document.body.addEventListener("waybill:change:pick_list", (event) => {
    const nudge = event.detail || {};
    if (nudge.id !== listId || !Number.isInteger(nudge.version) || nudge.version <= shownVersion()) return;
    held.push({ version: nudge.version, since: Date.now() });
    judge();
  });
}
