/* Scanning with the camera on the pick list (barcode.js reads the codes): the code read fills the "Barcode
 * or SKU" field and submits it, as a hardware scanner would. */
import { barcodeDetector as detectorFor, canScan, scanWithCamera as scan } from "./barcode.js";
import { setStatus } from "./page.js";
import { root } from "./picking_list.js";

let stop = null;

/** The pick list's detector (the browser's own or the vendored reader). */
export function barcodeDetector() {
  return detectorFor(root.querySelector("[data-camera]"));
}

/** Start the camera and submit the first code it reads; a second tap stops it. */
export async function scanWithCamera() {
  const form = root.querySelector('form[data-offline="pick.scan"]');
  const status = root.querySelector("[data-scan-status]");
  if (stop) { stop(); stop = null; return; }
  try {
    setStatus(status, "Starting the camera…");
    stop = await scan(root.querySelector("[data-camera]"), root.querySelector("[data-camera-view]"), (code) => {
      stop = null;
      form.elements.scanned.value = code;
      form.requestSubmit();
    });
    setStatus(status, "Point the camera at the barcode.");
  } catch (error) {
    stop = null;
    root.querySelector("[data-camera-view]").hidden = true;
    setStatus(status, "The camera is not available: type the code or use a scanner.");
  }
}

/** Show "Scan with camera" wherever there is a camera: the browser's reader or the vendored one reads it. */
export function setUpCamera() {
  const button = root.querySelector("[data-camera]");
  if (button) button.hidden = !canScan();
}
