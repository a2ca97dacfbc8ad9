/* The office's order forms (phone order, counter sale) and the counter's receipt: scan a barcode into the product
 * finder (barcode.js reads it, with the vendored reader where the browser has none), and print the receipt. */
import { canScan, scanWithCamera } from "./barcode.js";
import { setStatus } from "./page.js";

const finder = document.querySelector("[data-product-search]");
let stop = null;

async function scanToFind(button) {
  const box = button.closest("fieldset");
  const video = box.querySelector("[data-camera-view]");
  const status = box.querySelector("[data-scan-status]");
  if (stop) { stop(); stop = null; setStatus(status, ""); return; }
  try {
    setStatus(status, "Starting the camera…");
    stop = await scanWithCamera(button, video, (code) => {
      stop = null;
      finder.value = code;
      setStatus(status, "");
      // The live search shows what the code is; Add puts it on the order.
      finder.dispatchEvent(new Event("search", { bubbles: true }));
    });
    setStatus(status, "Point the camera at the barcode. Tap Scan again to stop.");
  } catch (error) {
    stop = null;
    video.hidden = true;
    setStatus(status, "The camera could not be used here. Type the barcode or SKU in the search box instead.");
  }
}

if (finder) {
  const button = document.querySelector("[data-scan-add]");
  button.hidden = !canScan();
  button.addEventListener("click", () => scanToFind(button));
}

const print = document.querySelector("[data-print]");
if (print) print.addEventListener("click", () => window.print());
