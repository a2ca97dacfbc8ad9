/* "Notify me" on the tracking page: Web Push for whoever holds the tracking link (no account needed).
 *
 * Exports:
 * - supportState(): "supported" | "ios-needs-home-screen" | "unsupported" | "denied"
 *   (iOS delivers web push only to a site added to the Home Screen, iOS 16.4+);
 * - subscribe(token): asks permission, subscribes this browser with the server's VAPID key, and sends
 *   the subscription to POST /api/v1/push/subscriptions; resolves to "on" or rejects with a message;
 * - unsubscribe(token): DELETE /api/v1/push/subscriptions for this order (the browser's own subscription
 *   stays: it may follow other orders); resolves to "off";
 * - isSubscribed(token), MESSAGES (the plain words for each state), initNotify(section);
 * - browserSubscription(), problemText(response), Told, plainWords(error): shared with the staff dashboard's
 *   new-order alerts (dashboard.js, POST /api/v1/push/staff-subscriptions).
 *
 * On import it wires every [data-notify][data-tracking-token] section on the page (its buttons
 * [data-notify-on] / [data-notify-off], the iOS note [data-notify-ios], the status line [data-notify-status]).
 */
const API = "/api/v1/push";
const FLAG = (token) => `waybill-push:${token}`;

export const MESSAGES = {
  supported: "",
  "ios-needs-home-screen": "On an iPhone or iPad, notifications work only from the Home Screen: tap Share, " +
    "then “Add to Home Screen”, open the shop from there and turn notifications on (iOS 16.4 or later).",
  unsupported: "This browser cannot show notifications. Keep this page's link to check on your order.",
  denied: "Notifications are blocked for this site. Allow them in the browser's site settings, then try again.",
  on: "Notifications are on for this order on this phone.",
  off: "Notifications are off for this order.",
  working: "Turning notifications on…",
  offline: "No connection right now: try again when this phone is online.",
  failed: "Notifications could not be turned on just now. Try again in a moment.",
};

/* An error whose message is already written for the person reading the page. */
export class Told extends Error {}

/* What to show for any error: ours as written; the browser's own (e.g. "Registration failed - permission
 * denied", "Failed to fetch") in plain words, never raw. */
export function plainWords(error) {
  if (error instanceof Told) return error.message;
  if (error && error.name === "NotAllowedError") return MESSAGES.denied;
  if (error instanceof TypeError) return MESSAGES.offline;  // fetch's network failure
  return MESSAGES.failed;
}

function isIOS() {
  const ua = navigator.userAgent || "";
  return /iPad|iPhone|iPod/.test(ua) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function standalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

export function supportState() {
  const capable = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (isIOS() && !standalone()) return "ios-needs-home-screen";
  if (!capable) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  return "supported";
}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || MESSAGES.failed;
  } catch (error) {
    return MESSAGES.failed;
  }
}

async function send(method, body) {
  const response = await fetch(`${API}/subscriptions`, {
    method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    credentials: "omit",  // the tracking token is the key; no cookie is needed or sent
  });
  if (!response.ok && !(method === "DELETE" && response.status === 404)) throw new Told(await problemText(response));
  return response;
}

/* Asks permission and returns this browser's push subscription, made with the server's VAPID key if there
 * is none yet (one per browser: the tracking page and the staff dashboard share it). */
export async function browserSubscription() {
  const state = supportState();
  if (state !== "supported") throw new Told(MESSAGES[state]);
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Told(MESSAGES.denied);
  const keyResponse = await fetch(`${API}/vapid-public-key`, { credentials: "omit" });
  if (!keyResponse.ok) throw new Told(await problemText(keyResponse));
  const { public_key: publicKey } = await keyResponse.json();
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
    });
  }
  return subscription;
}

export async function subscribe(token) {
  const subscription = await browserSubscription();
  await send("POST", { tracking_token: token, ...subscription.toJSON() });
  localStorage.setItem(FLAG(token), "on");
  return "on";
}

export async function unsubscribe(token) {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  if (subscription) await send("DELETE", { tracking_token: token, endpoint: subscription.endpoint });
  localStorage.removeItem(FLAG(token));
  return "off";
}

export async function isSubscribed(token) {
  if (supportState() !== "supported" || localStorage.getItem(FLAG(token)) !== "on") return false;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return Boolean(registration && await registration.pushManager.getSubscription());
}

export async function initNotify(section) {
  const token = section.dataset.trackingToken;
  const on = section.querySelector("[data-notify-on]");
  const off = section.querySelector("[data-notify-off]");
  const ios = section.querySelector("[data-notify-ios]");
  const status = section.querySelector("[data-notify-status]");
  if (!token || !on || !off || !status) return;
  const show = (subscribed, message) => {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    status.textContent = message;
  };
  const state = supportState();
  if (state !== "supported") {
    on.hidden = off.hidden = true;
    if (state === "ios-needs-home-screen" && ios) ios.hidden = false;
    else status.textContent = MESSAGES[state];
    return;
  }
  show(await isSubscribed(token), "");
  const act = (button, action, busy) => button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = busy;
    try {
      const result = await action(token);
      show(result === "on", MESSAGES[result]);
    } catch (error) {
      status.textContent = plainWords(error);
    } finally {
      button.disabled = false;
    }
  });
  act(on, subscribe, MESSAGES.working);
  act(off, unsubscribe, "");
}

document.querySelectorAll("[data-notify][data-tracking-token]").forEach((section) => { initNotify(section); });
