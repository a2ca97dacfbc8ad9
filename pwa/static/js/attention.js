/* The sync page's "Waiting to be sent" list, and the "Needs attention" list: changes from this phone the
 * server refused, or recorded and flagged for the office, each said in words with what to do next, and kept
 * until a person dismisses it. */
import * as commandlog from "./commandlog.js";
import { formatWhen } from "./timefmt.js";

const REASON_WORDS = { count: "count", adjustment: "correction", received: "goods received" };

/** A change as a person reads it: "+3", "-2". */
export function signed(n) {
  return n > 0 ? `+${n}` : String(n);
}

function describe(command) {
  const p = command.payload || {};
  if (command.type !== "stock.adjust" && command.type !== "stock.count") {
    return `${command.label || command.type}, recorded on this phone ${formatWhen(command.occurred_at)}`;
  }
  const reason = command.type === "stock.count" ? "count" : p.reason;
  const what = `${signed(p.on_hand_delta)} (${REASON_WORDS[reason] || reason})`;
  const when = formatWhen(command.occurred_at);
  return `${command.label || command.type}: ${what}, recorded on this phone ${when}`;
}

// What to do next about a refused change, in the words of whoever made it (a counter, a picker, a driver).
const NEXT_STEP = {
  "stock.adjust": "Check the shelf, then record the count again if it is still needed.",
  "stock.count": "Check the shelf, then record the count again if it is still needed.",
  "pick.record": "Open the pick list to see where it stands, then pick again if it is still needed.",
  "pick.short": "Open the pick list to see where it stands.",
  "pick_list.claim": "Open the pick queue and take another list.",
  "pack.close": "Open the pick list to see what is left to pack.",
  "delivery.confirm": "Open the stop to see what the office has; call the office if the parcel is still with you.",
  "delivery.fail": "Open the stop to see what the office has; call the office if the parcel is still with you.",
  "run.reorder": "Open the run to see its order now.",
  "run.settle": "Hand the cash to the office and tell them it was not recorded.",
};

function attentionIntro(items) {
  const refused = items.filter((c) => c.state !== commandlog.FLAGGED).length;
  const checked = items.length - refused;
  if (refused && checked) return "Some changes below were not recorded; the others were recorded and the office will check them.";
  if (refused) return refused === 1 ? "This change was not recorded." : "These changes were not recorded.";
  return "Recorded. The office will check these; there is nothing more to do but read them.";
}

export function renderAttention(rejected) {
  document.querySelectorAll("[data-needs-attention]").forEach((section) => {
    const list = section.querySelector("[data-attention-list]");
    section.hidden = rejected.length === 0;
    const intro = section.querySelector("[data-attention-intro]");
    if (intro) intro.textContent = rejected.length ? attentionIntro(rejected) : "";
    list.replaceChildren(...rejected.map((command) => {
      const item = document.createElement("li");
      item.className = "attention-item";
      const title = document.createElement("p");
      title.className = "attention-what";
      title.textContent = describe(command);
      const why = document.createElement("p");
      const outcome = command.outcome || {};
      const details = Object.entries(outcome.errors || {}).map(([field, msgs]) => `${field}: ${[].concat(msgs).join(" ")}`);
      const flagged = command.state === commandlog.FLAGGED;
      const notes = (outcome.exceptions || []).map((e) => e.message);
      why.textContent = flagged
        ? `Recorded, and the office will check it: ${notes.join(" ") || "it did not fit the plan."}`
        : `Not recorded. Waybill said: ${[outcome.message || "refused", ...details].join(" ")}`;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = flagged ? "Understood" : "Dismiss";
      const delta = (command.payload || {}).on_hand_delta;
      button.setAttribute("aria-label", `${button.textContent} ${command.label || command.type}${
        delta === undefined ? "" : ` ${signed(delta)}`}`.trim());
      button.addEventListener("click", () => commandlog.dismiss(command.id));
      item.append(title, why);
      if (!flagged && NEXT_STEP[command.type]) {
        const next = document.createElement("p");
        next.className = "attention-next";
        next.textContent = NEXT_STEP[command.type];
        item.append(next);
      }
      item.append(button);
      return item;
    }));
  });
  document.querySelectorAll("[data-nothing-needs-attention]").forEach((p) => { p.hidden = rejected.length > 0; });
}

/** The sync page's list of changes not sent yet (or being sent), oldest first, each in words with its time. */
export function renderWaiting(waiting) {
  document.querySelectorAll("[data-waiting]").forEach((section) => {
    section.hidden = waiting.length === 0;
    const heading = section.querySelector("[data-waiting-heading]");
    if (heading) {
      heading.textContent = `Waiting to be sent: ${waiting.length} ${waiting.length === 1 ? "change" : "changes"}`;
    }
    section.querySelector("[data-waiting-list]").replaceChildren(...waiting.map((command) => {
      const item = document.createElement("li");
      item.textContent = command.state === commandlog.SENDING ? `${describe(command)} (sending now)` : describe(command);
      return item;
    }));
  });
}
