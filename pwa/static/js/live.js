/* Live updates (README, "Live updates"): the server nudges, the page refreshes what changed.
 *
 * The server sends one "changes" message per commit (strictly, per relay pass) and room:
 * {events: [{event_id, sequence, name, aggregate, id, version}, ...]}, ids and versions only, in publish order.
 * Each event is re-dispatched on <body> as a "waybill:change" DOM event, and again as "waybill:change:<aggregate>"
 * (e.g. "waybill:change:order"). Fragments that care declare hx-trigger="waybill:change:order from:body"
 * and fetch their own fresh HTML: a named event, because htmx's [filter] syntax evaluates JavaScript
 * from the attribute, which the Content-Security-Policy (no 'unsafe-eval') refuses.
 * After a reconnect, a "waybill:resync" event asks every live fragment to refresh once, which is how a
 * client that missed messages while away catches up (Socket.IO keeps nothing for absent clients).
 * Event ids already seen are ignored: delivery is at least once. Pages with forms show a "refresh"
 * notice instead of swapping content (see showNotices).
 */
import { io } from "../vendor/socket.io-client-4.8.4/socket.io.esm.min.js";

const seen = new Set();
const MAX_SEEN = 2000;

function announce(name, detail) {
  document.body.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }));
}

/**
 * Pages where someone may be typing (a resolution note, a delivery form) are not swapped under their
 * thumb: a notice such as <p data-live-notice="exception,order" hidden>…<a href="">Refresh</a></p>
 * appears instead, and the person refreshes when ready.
 */
function showNotices(nudge) {
  document.querySelectorAll("[data-live-notice]").forEach((notice) => {
    if (notice.dataset.liveNotice.split(",").includes(nudge.aggregate)) notice.hidden = false;
  });
}

function start() {
  if (!document.querySelector('meta[name="waybill-user"]')) return;  // signed out: nothing to hear
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 10000 });
  let connectedBefore = false;
  socket.on("connect", () => {
    document.documentElement.dataset.live = "on";
    const watched = document.querySelector("[data-watch-order]");
    if (watched) socket.emit("watch_order", { order_id: Number(watched.dataset.watchOrder) });
    if (connectedBefore) announce("waybill:resync", {});
    connectedBefore = true;
  });
  socket.on("disconnect", () => { document.documentElement.dataset.live = "off"; });
  socket.on("changes", (message) => {
    const events = message && Array.isArray(message.events) ? message.events : [];
    events.forEach((nudge) => {
      if (!nudge || typeof nudge.event_id !== "string" || seen.has(nudge.event_id)) return;
      seen.add(nudge.event_id);
      if (seen.size > MAX_SEEN) seen.delete(seen.values().next().value);
      announce("waybill:change", nudge);
      if (/^[a-z_]+$/.test(nudge.aggregate || "")) announce(`waybill:change:${nudge.aggregate}`, nudge);
      showNotices(nudge);
    });
  });
}

start();
