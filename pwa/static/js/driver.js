/* The driver's pages offline (run page, stop page, end-of-day cash), on top of the command log.
 *
 * - "Take today's run offline" asks the service worker to keep the run page, every stop page and the
 *   cash page, and shows its progress, then "Ready offline"; the run page says "Ready offline, saved at 07:42"
 *   on every load while it is, a started run saves itself, and a stop page not kept says so (driver_offline_run.js).
 * - The confirm form: photos from the camera (or gallery) are shrunk and re-encoded on the phone
 *   (photos.js, no EXIF), a signature is drawn on a canvas (signature.js), the position is added only
 *   if the driver ticks the box (driver_evidence.js). Submitting writes a `delivery.confirm` command with
 *   its images to the log (commandlog.js); "Saved on this phone" shows once IndexedDB has it. `delivery.fail`
 *   and `run.settle` likewise (driver_forms.js). Without JavaScript the same forms post to the server.
 * - Stops with commands not yet answered carry a "Waiting to send" badge and the predicted status;
 *   photos show their upload progress; once answered, the run page shows the server's truth again
 *   (driver_status.js).
 */
import * as commandlog from "./commandlog.js";
import { askPosition, onPhotosChosen, startSignature } from "./driver_evidence.js";
import { onSubmit } from "./driver_forms.js";
import { showReadiness, takeOffline, warnIfNotKept } from "./driver_offline_run.js";
import { onProgress, render } from "./driver_status.js";

const userId = document.querySelector('meta[name="waybill-user"]')?.content;

function start() {
  if (!userId || !commandlog.supported()) return;  // no log: the forms post the ordinary way
  commandlog.configure({ userId, csrfToken: document.querySelector('meta[name="csrf-token"]')?.content });
  document.addEventListener("submit", onSubmit);
  document.querySelectorAll("[data-photo-input]").forEach((input) => input.addEventListener("change", onPhotosChosen));
  document.querySelectorAll("form[data-offline=\"delivery.confirm\"]").forEach(startSignature);
  document.querySelectorAll("[data-share-position]").forEach((box) => box.addEventListener("change", () => askPosition(box)));
  document.querySelectorAll("[data-take-offline]").forEach((button) =>
    button.addEventListener("click", () => takeOffline(button)));
  document.querySelectorAll("[data-take-offline]").forEach(showReadiness);
  document.querySelectorAll("[data-offline-missing]").forEach(warnIfNotKept);
  commandlog.onChange(scheduleRender);
  commandlog.onProgress(onProgress);
  window.addEventListener("online", scheduleRender);
  scheduleRender();
}

let rendering = Promise.resolve();
function scheduleRender() {
  // One pass at a time, in order: each compares with what the previous one saw.
  rendering = rendering.then(render).catch((error) => console.warn("Waybill: could not read the command log", error));
}

start();
