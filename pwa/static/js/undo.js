/* An undo offer lasts as long as the server said. `data-undo-seconds` is what was left of the window when the
 * server made the page, counted from the server's time of the decision: the phone's clock is never asked what
 * time it is (it may be minutes off), only how much time has passed since the answer arrived. When the seconds
 * run out the form gives way to a plain message; a late tap would be refused by the server anyway. */

function secondsWords(n) {
  return `${n} more second${n === 1 ? "" : "s"}`;
}

/** Replace the offer by what it has become: "Too late to undo; WB-000003 stays cancelled." */
function expire(form) {
  const message = document.createElement("p");
  message.className = "card undo-expired";
  message.setAttribute("role", "status");
  message.dataset.undoExpiredMessage = "";
  message.textContent = form.dataset.undoExpired;
  form.replaceWith(message);
}

/** Count the offer down from `startedAt` (a performance.now() time: when the server's answer arrived). */
function arm(form, startedAt) {
  if (form.dataset.undoArmed) return;
  form.dataset.undoArmed = "yes";
  const ends = startedAt + Number(form.dataset.undoSeconds) * 1000;
  const left = form.querySelector("[data-undo-left]");
  const tick = () => {
    if (!form.isConnected) return;
    const remaining = ends - performance.now();
    if (remaining <= 0) { expire(form); return; }
    const words = secondsWords(Math.ceil(remaining / 1000));
    if (left && left.textContent !== words) left.textContent = words;
    // Wake on the next whole second, so the words and the end fall on time.
    setTimeout(tick, (remaining % 1000) || 1000);
  };
  tick();
}

/** When the page's own answer arrived (its response start), else now: the offer's seconds count from then. */
function pageArrivedAt() {
  const navigation = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  return navigation && navigation.responseStart > 0 ? navigation.responseStart : performance.now();
}

function armAll(startedAt) {
  document.querySelectorAll("form[data-undo-seconds]:not([data-undo-armed])").forEach((form) => arm(form, startedAt));
}

armAll(pageArrivedAt());
// An offer swapped in by htmx (the dashboard's message after a decision taken in place) counts from its arrival.
document.addEventListener("htmx:afterSettle", () => armAll(performance.now()));
// A page brought back from the browser's history cache shows an offer of unknown age: it is over.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) document.querySelectorAll("form[data-undo-seconds]").forEach(expire);
});
