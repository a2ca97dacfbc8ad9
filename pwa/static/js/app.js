/* Waybill's page shell: registers the service worker, shows whether the phone is online, offers
 * "Install app" when the browser allows it, and has the worker drop its caches before sign-out. */

const CLEAR_CACHES_WAIT_MS = 1500;

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const register = () => navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
    // The site still works without the worker, only not offline; say so in the console for support.
    console.warn("Waybill: the offline worker could not be registered", error);
  });
  // Once the page has loaded: the worker then precaches the files this page used from the browser's
  // cache instead of downloading them a second time alongside the page.
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}

function showConnection() {
  const chip = document.getElementById("connection");
  if (!chip) return;
  const update = () => {
    const online = navigator.onLine;
    chip.textContent = online ? "Online" : "Offline";
    chip.dataset.state = online ? "online" : "offline";
  };
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
}

function offerInstall() {
  const button = document.getElementById("install-app");
  if (!button) return;
  let offer = null;
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();  // our own button, in the top bar, instead of the browser's mini bar
    offer = event;
    button.hidden = false;
  });
  button.addEventListener("click", async () => {
    if (!offer) return;
    const current = offer;
    offer = null;
    button.hidden = true;  // a prompt can be shown only once
    await current.prompt();
  });
  window.addEventListener("appinstalled", () => { offer = null; button.hidden = true; });
}

/** Ask the controlling worker to delete its caches; resolves when it answers or after a short wait. */
function clearWorkerCaches() {
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!worker) return Promise.resolve();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(resolve, CLEAR_CACHES_WAIT_MS);  // never trap someone who wants to leave
    channel.port1.onmessage = () => { clearTimeout(timer); resolve(); };
    worker.postMessage({ type: "clear-caches" }, [channel.port2]);
  });
}

function clearCachesOnSignOut() {
  document.querySelectorAll("form[data-sign-out]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.cachesCleared) return;  // second pass: let the browser submit
      event.preventDefault();
      await clearWorkerCaches();
      form.dataset.cachesCleared = "yes";
      form.requestSubmit();
    });
  });
}

registerWorker();
showConnection();
offerInstall();
clearCachesOnSignOut();
