/* "Take today's run offline": the service worker keeps the run page, every stop page and the cash page,
 * and the button's line shows its progress, then "Ready offline". */
import { setStatus } from "./page.js";

/** Ask the service worker to keep the button's pages for offline use, showing its progress. */
export async function takeOffline(button) {
  const progress = button.parentElement.querySelector("[data-offline-progress]");
  const urls = JSON.parse(button.dataset.urls || "[]");
  if (!("serviceWorker" in navigator)) {
    setStatus(progress, "This browser cannot keep pages offline.");
    return;
  }
  button.disabled = true;
  setStatus(progress, `Saving for offline: 0 of ${urls.length}…`);
  try {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    const result = await new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => reject(new Error("timeout")), 60000);
      channel.port1.onmessage = ({ data }) => {
        if (data.type === "progress") setStatus(progress, `Saving for offline: ${data.done} of ${data.total}…`);
        if (data.type === "done") { clearTimeout(timer); resolve(data); }
      };
      worker.postMessage({ type: "cache-pages", urls }, [channel.port2]);
    });
    setStatus(progress, result.failed.length
      ? `Could not save ${result.failed.length} of ${result.total} pages. Try again where there is a signal.`
      : `Ready offline: ${result.total} pages saved.`);
    button.dataset.ready = result.failed.length ? "" : "yes";
  } catch (error) {
    setStatus(progress, "Could not save the run for offline use. Try again where there is a signal.");
  } finally {
    button.disabled = false;
  }
}
