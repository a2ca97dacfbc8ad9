/* Scan-to-find on the stock page, where the browser has BarcodeDetector (the same camera loop as the pick
 * list's): the code read goes into the search box and the search is sent. Elsewhere the button stays hidden
 * and typing or a hardware scanner into the search box finds the product the same way. */
import { setStatus } from "./page.js";

const form = document.querySelector("[data-stock-search]");
let stream = null;

function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  form.querySelector("[data-camera-view]").hidden = true;
}

async function scanToFind() {
  const video = form.querySelector("[data-camera-view]");
  const status = form.querySelector("[data-scan-status]");
  if (stream) { stopCamera(); setStatus(status, ""); return; }
  try {
    const detector = new window.BarcodeDetector();
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    setStatus(status, "Point the camera at the barcode. Tap Scan again to stop.");
    const look = async () => {
      if (!stream) return;
      try {
        const codes = await detector.detect(video);
        if (codes.length) {
          form.elements.q.value = codes[0].rawValue;
          stopCamera();
          setStatus(status, "");
          form.requestSubmit();
          return;
        }
      } catch (error) { /* a frame that could not be read: try the next one */ }
      setTimeout(look, 250);
    };
    look();
  } catch (error) {
    stopCamera();
    setStatus(status, "The camera could not be used here. Type the barcode or SKU in the search box instead.");
  }
}

if (form) {
  const button = form.querySelector("[data-scan-find]");
  button.hidden = !("BarcodeDetector" in window && navigator.mediaDevices);
  button.addEventListener("click", scanToFind);
}
