/* Scanning with the camera on the pick list: the code read fills the "Barcode or SKU" field and submits it,
 * as a hardware scanner would. Where the browser has no BarcodeDetector (iPhone Safari, Firefox, Chromium on
 * a desktop) the vendored ZXing polyfill is loaded on the first tap, and only then (it is large). */
import { setStatus } from "./page.js";
import { root } from "./picking_list.js";

// Codes found on parcels and shelves: retail, logistics and QR labels.
const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39", "itf", "qr_code", "data_matrix"];
let stream = null;
let polyfill = null;

function loadPolyfill(button) {
  if (!polyfill) {
    polyfill = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = button.dataset.barcodePolyfill;
      script.onload = () => {
        const api = window.BarcodeDetectionAPI;
        // The reader's WebAssembly comes from this site, never from a CDN (and so works offline once cached).
        api.setZXingModuleOverrides({ locateFile: (path, prefix) =>
          (path.endsWith(".wasm") ? button.dataset.barcodeWasm : prefix + path) });
        resolve(api.BarcodeDetector);
      };
      script.onerror = () => { polyfill = null; reject(new Error("barcode reader not loaded")); };
      document.head.append(script);
    });
  }
  return polyfill;
}

/** A BarcodeDetector: the browser's own, or the vendored one. */
export async function barcodeDetector() {
  const native = "BarcodeDetector" in window && !window.BarcodeDetectionAPI ? window.BarcodeDetector : null;
  const Detector = native || await loadPolyfill(root.querySelector("[data-camera]"));
  const supported = Detector.getSupportedFormats ? await Detector.getSupportedFormats() : FORMATS;
  return new Detector({ formats: FORMATS.filter((format) => supported.includes(format)) });
}

/** Start the camera and submit the first code it reads; a second tap stops it. */
export async function scanWithCamera() {
  const form = root.querySelector('form[data-offline="pick.scan"]');
  const video = root.querySelector("[data-camera-view]");
  const status = root.querySelector("[data-scan-status]");
  if (stream) { stopCamera(); return; }
  try {
    setStatus(status, "Starting the camera…");
    const detector = await barcodeDetector();
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    setStatus(status, "Point the camera at the barcode.");
    const look = async () => {
      if (!stream) return;
      try {
        const codes = await detector.detect(video);
        if (codes.length) {
          form.elements.scanned.value = codes[0].rawValue;
          stopCamera();
          form.requestSubmit();
          return;
        }
      } catch (error) { /* a frame that cannot be read: try the next one */ }
      setTimeout(look, 250);
    };
    look();
  } catch (error) {
    stopCamera();
    setStatus(status, "The camera is not available: type the code or use a scanner.");
  }
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  const video = root.querySelector("[data-camera-view]");
  if (video) video.hidden = true;
}

/** Show "Scan with camera" wherever there is a camera: the browser's reader or the vendored one reads it. */
export function setUpCamera() {
  const button = root.querySelector("[data-camera]");
  if (!button) return;
  button.hidden = !navigator.mediaDevices;
}
