/* Reading barcodes with the phone's camera, for the pick list and the stock page.
 *
 * The browser's own BarcodeDetector where it has one; elsewhere (iPhone Safari, Firefox, Chromium on a
 * desktop) the vendored ZXing reader, loaded on the first tap only (it is large). The button that starts a
 * scan carries the reader's addresses (data-barcode-polyfill, data-barcode-wasm), hashed by the server. */

// Codes found on parcels and shelves: retail, logistics and QR labels.
const FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39", "itf", "qr_code", "data_matrix"];
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

/** A BarcodeDetector: the browser's own, or the vendored one named by `button`. */
export async function barcodeDetector(button) {
  const native = "BarcodeDetector" in window && !window.BarcodeDetectionAPI ? window.BarcodeDetector : null;
  const Detector = native || await loadPolyfill(button);
  const supported = Detector.getSupportedFormats ? await Detector.getSupportedFormats() : FORMATS;
  return new Detector({ formats: FORMATS.filter((format) => supported.includes(format)) });
}

/** Whether a scan can start here at all: a camera is what matters, a reader is always at hand. */
export function canScan() {
  return Boolean(navigator.mediaDevices);
}

/** Show the camera in `video` and call `found(code)` with the first code read; returns a function that stops
 * the camera (the caller's second tap). Throws when there is no camera or no permission. */
export async function scanWithCamera(button, video, found) {
  const detector = await barcodeDetector(button);
  let stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  const stop = () => {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
  };
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const look = async () => {
    if (!stream) return;
    try {
      const codes = await detector.detect(video);
      if (codes.length) {
        stop();
        found(codes[0].rawValue);
        return;
      }
    } catch (error) { /* a frame that cannot be read: try the next one */ }
    setTimeout(look, 250);
  };
  look();
  return stop;
}
