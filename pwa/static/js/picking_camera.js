/* Scanning with the camera on the pick list, where the browser has BarcodeDetector: the code read fills
 * the "Barcode or SKU" field and submits it, as a hardware scanner would. */
import { setStatus } from "./page.js";
import { root } from "./picking_list.js";

let stream = null;

/** Start the camera and submit the first code it reads; a second tap stops it. */
export async function scanWithCamera() {
  const form = root.querySelector('form[data-offline="pick.scan"]');
  const video = root.querySelector("[data-camera-view]");
  const status = root.querySelector("[data-scan-status]");
  if (stream) { stopCamera(); return; }
  try {
    const detector = new window.BarcodeDetector();
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

/** Show "Scan with camera" only where the browser can read barcodes from the camera. */
export function setUpCamera() {
  const button = root.querySelector("[data-camera]");
  if (!button) return;
  button.hidden = !("BarcodeDetector" in window && navigator.mediaDevices);
}
