/* The pick list page offline: claim, pick (camera scan, hardware scanner, tap), short pick, pack.
 *
 * Each form's submit is written to the phone's command log (commandlog.js) instead of being posted; the row
 * says "Saved on this phone" only once the write has completed, and shows the phone's prediction as
 * "waiting to send" until the server's outcome arrives; then the list is fetched again (the server's truth).
 * Without IndexedDB the forms post the ordinary way, through the same commands.
 *
 * Scans: a hardware scanner types into the "Barcode or SKU" field and presses Enter (a form submit);
 * where the browser has BarcodeDetector, "Scan with camera" reads the code from the camera. A code that
 * is not on the list is refused here with a clear message and nothing is queued.
 *
 * Modules: the list on the page and the prediction (picking_list.js), the forms (picking_forms.js), what
 * the page shows of the log (picking_status.js), the camera (picking_camera.js), the notice of changes
 * made on another phone (picking_live.js).
 */
import * as commandlog from "./commandlog.js";
import { scanWithCamera, setUpCamera } from "./picking_camera.js";
import { onSubmit } from "./picking_forms.js";
import { root } from "./picking_list.js";
import { judge, watchChanges } from "./picking_live.js";
import { render } from "./picking_status.js";

function start() {
  if (!root || !commandlog.supported()) return;
  const userId = document.querySelector('meta[name="waybill-user"]')?.content;
  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;
  if (!userId) return;
  commandlog.configure({ userId, csrfToken });
  document.addEventListener("submit", onSubmit);
  root.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("[data-camera]")) scanWithCamera();
  });
  setUpCamera();
  commandlog.onChange(render);
  commandlog.onChange(judge);
  watchChanges();
  window.addEventListener("online", render);
  render();
}

start();
