/* The owner's dashboard: draws the hourly chart (vendored uPlot) and, if the owner allows it, a
 * vibration and a short tone when a new order arrives. Figures are refreshed by htmx on live nudges.
 * "Notify me when the app is closed" subscribes this browser to staff new-order alerts (web push through
 * POST /api/v1/push/staff-subscriptions, with the session cookie and its CSRF token). */
import { formatTime, shopClock } from "./timefmt.js";
import { MESSAGES, Told, browserSubscription, plainWords, problemText, supportState } from "./push.js";

const ALERTS_KEY = "waybill-dashboard-alerts";

function drawChart() {
  const box = document.getElementById("hourly-chart");
  if (!box || !window.uPlot) return;
  const hours = JSON.parse(box.dataset.hours).map((iso) => Date.parse(iso) / 1000);
  const orders = JSON.parse(box.dataset.orders);
  box.replaceChildren();
  const clock = shopClock();
  const width = Math.max(280, box.clientWidth || 320);
  new window.uPlot({
    width, height: 180, legend: { show: false },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(3, max)] } },
    // Hours on the shop's clock, written as every other time is (not in the phone's own zone).
    tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), clock.zone),
    axes: [{ space: 64, values: (u, splits) => splits.map((ts) => formatTime(ts * 1000, clock)) }, { label: "Orders" }],
    series: [{}, { label: "Orders", stroke: "#0f4c5c", fill: "rgba(15,76,92,.15)", paths: window.uPlot.paths.bars({ size: [0.7] }) }],
  }, [hours, orders], box);
}

function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch (error) { /* no audio on this device: the vibration and the list still say it */ }
}

function setupAlerts() {
  const button = document.getElementById("alerts");
  const status = document.getElementById("alerts-status");
  if (!button) return;
  const render = () => {
    const on = localStorage.getItem(ALERTS_KEY) === "on";
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Alerts on: tap to turn off" : "Alert me on new orders";
  };
  button.addEventListener("click", () => {
    localStorage.setItem(ALERTS_KEY, localStorage.getItem(ALERTS_KEY) === "on" ? "off" : "on");
    render();
    if (localStorage.getItem(ALERTS_KEY) === "on") beep();  // a tap unlocks audio on phones
  });
  render();
  document.body.addEventListener("waybill:change", (event) => {
    if (event.detail.name !== "order.placed" || localStorage.getItem(ALERTS_KEY) !== "on") return;
    if (navigator.vibrate) navigator.vibrate(200);
    beep();
    status.textContent = "New order received.";
  });
}

const STAFF_API = "/api/v1/push/staff-subscriptions";
const STAFF_FLAG = "waybill-staff-push";

async function sendStaff(method, body) {
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const response = await fetch(STAFF_API, {
    method, credentials: "same-origin", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "Accept": "application/json",
               "X-CSRFToken": csrf ? csrf.content : "" },
  });
  if (!response.ok && !(method === "DELETE" && response.status === 404)) throw new Told(await problemText(response));
  return response;
}

async function staffSubscribed() {
  if (supportState() !== "supported" || localStorage.getItem(STAFF_FLAG) !== "on") return false;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return Boolean(registration && await registration.pushManager.getSubscription());
}

async function setupStaffPush() {
  const section = document.querySelector("[data-staff-push]");
  if (!section) return;
  const on = section.querySelector("[data-staff-push-on]");
  const off = section.querySelector("[data-staff-push-off]");
  const ios = section.querySelector("[data-staff-push-ios]");
  const status = section.querySelector("[data-staff-push-status]");
  const state = supportState();
  if (state !== "supported") {
    if (state === "ios-needs-home-screen") ios.hidden = false;
    else status.textContent = MESSAGES[state];
    return;
  }
  const show = (subscribed, message) => {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    status.textContent = message;
  };
  show(await staffSubscribed(), "");
  on.addEventListener("click", async () => {
    on.disabled = true;
    status.textContent = "Turning notifications on…";
    try {
      const subscription = await browserSubscription();
      await sendStaff("POST", subscription.toJSON());
      localStorage.setItem(STAFF_FLAG, "on");
      show(true, "This device will be notified of new orders, even when the app is closed.");
    } catch (error) {
      status.textContent = plainWords(error);
    } finally {
      on.disabled = false;
    }
  });
  off.addEventListener("click", async () => {
    off.disabled = true;
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) await sendStaff("DELETE", { endpoint: subscription.endpoint });
      localStorage.removeItem(STAFF_FLAG);
      show(false, "Notifications of new orders are off on this device.");
    } catch (error) {
      status.textContent = plainWords(error);
    } finally {
      off.disabled = false;
    }
  });
}

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target && event.detail.target.id === "dashboard-figures") drawChart();
});
window.addEventListener("load", drawChart);
setupAlerts();
setupStaffPush();
