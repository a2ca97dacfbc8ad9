/* The owner's dashboard: draws the hourly chart (vendored uPlot) and, if the owner allows it, a
 * vibration and a short tone when a new order arrives. Figures are refreshed by htmx on live nudges. */
const ALERTS_KEY = "waybill-dashboard-alerts";

function drawChart() {
  const box = document.getElementById("hourly-chart");
  if (!box || !window.uPlot) return;
  const hours = JSON.parse(box.dataset.hours).map((iso) => Date.parse(iso) / 1000);
  const orders = JSON.parse(box.dataset.orders);
  box.replaceChildren();
  const width = Math.max(280, box.clientWidth || 320);
  new window.uPlot({
    width, height: 180, legend: { show: false },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(3, max)] } },
    axes: [{}, { label: "Orders" }],
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

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target && event.detail.target.id === "dashboard-figures") drawChart();
});
window.addEventListener("load", drawChart);
setupAlerts();
