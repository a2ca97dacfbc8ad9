/* Scan-to-find on the stock page (barcode.js reads the codes, with the vendored reader where the browser has
 * none): the code read goes into the search box and the search is sent. Typing or a hardware scanner into the
 * search box finds the product the same way. */
import { canScan, scanWithCamera } from "./barcode.js";
import { setStatus } from "./page.js";

const form = document.querySelector("[data-stock-search]");
let stop = null;

async function scanToFind(button) {
  const video = form.querySelector("[data-camera-view]");
  const status = form.querySelector("[data-scan-status]");
  if (stop) { stop(); stop = null; setStatus(status, ""); return; }
  try {
    setStatus(status, "Starting the camera…");
    stop = await scanWithCamera(button, video, (code) => {
      stop = null;
      form.elements.q.value = code;
      setStatus(status, "");
      form.requestSubmit();
    });
    setStatus(status, "Point the camera at the barcode. Tap Scan again to stop.");
  } catch (error) {
    stop = null;
    video.hidden = true;
    setStatus(status, "The camera could not be used here. Type the barcode or SKU in the search box instead.");
  }
}

if (form) {
  const button = form.querySelector("[data-scan-find]");
  button.hidden = !canScan();
  button.addEventListener("click", () => scanToFind(button));
}
