/* What the driver adds to a stop's proof before it is saved: photos (shrunk on the phone by photos.js, with
 * previews and a way to remove one), the recipient's signature (signature.js) and, if ticked, the position. */
import { prepare } from "./photos.js";
import { SignaturePad } from "./signature.js";
import { setStatus, showFieldError } from "./page.js";

const photosByForm = new WeakMap();  // keyed by the photo input: the shrunk copies chosen so far
const pads = new WeakMap();

/** The stop card a form belongs to (null on the cash page). */
export function cardOf(form) {
  return form.closest("[data-stop-card]");
}

/** The photos chosen with `input` so far (shrunk copies, ready to be stored). */
export function chosenPhotos(input) {
  return photosByForm.get(input) || [];
}

/** Forget the photos chosen with `input` (the command holding them is saved) and clear their previews. */
export function clearPhotos(form, input) {
  photosByForm.set(input, []);
  renderPreviews(form, input);
}

/** The signature pad of a confirm form, if it has one. */
export function signatureOf(form) {
  return pads.get(form);
}

function renderPreviews(form, input) {
  const list = input.parentElement.querySelector("[data-photo-previews]");
  const photos = photosByForm.get(input) || [];
  if (!list) return;
  list.replaceChildren(...photos.map((photo, index) => {
    const item = document.createElement("li");
    const img = document.createElement("img");
    img.src = URL.createObjectURL(photo.data);
    img.alt = `Photo ${index + 1}`;
    img.width = 96;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = `Remove photo ${index + 1}`;
    remove.addEventListener("click", () => {
      photos.splice(index, 1);
      renderPreviews(form, input);
    });
    item.append(img, remove);
    return item;
  }));
}

/** Shrink the photos just taken or picked and show them (a one-photo field replaces its photo). */
export async function onPhotosChosen(event) {
  const input = event.target;
  const form = input.form;
  const max = Number(input.dataset.maxPhotos) || 1;
  const photos = max === 1 ? [] : (photosByForm.get(input) || []);
  showFieldError(input, "");
  try {
    for (const file of [...input.files]) {
      if (photos.length >= max) break;
      photos.push(await prepare(file, "photo"));
    }
  } catch (error) {
    showFieldError(input, "This file is not a photo this phone can read. Take the photo again.");
  }
  photosByForm.set(input, photos);
  input.value = "";  // the shrunk copies are kept; the originals are not sent
  renderPreviews(form, input);
}

/** Show a confirm form's signature pad (hidden without JavaScript) and wire its Clear button. */
export function startSignature(form) {
  const block = form.querySelector("[data-signature]");
  const canvas = block && block.querySelector("[data-signature-pad]");
  if (!canvas) return;
  block.hidden = false;
  const state = block.querySelector("[data-signature-state]");
  const pad = new SignaturePad(canvas, {
    onChange: (p) => setStatus(state, p.isEmpty() ? "Ask the recipient to sign with a finger." : "Signed."),
  });
  pads.set(form, pad);
  block.querySelector("[data-signature-clear]").addEventListener("click", () => pad.clear());
}

/** Fill in the form's position when the driver ticks the box (and clear it when they untick it). */
export function askPosition(checkbox) {
  const form = checkbox.form;
  form.elements.latitude.value = "";
  form.elements.longitude.value = "";
  if (!checkbox.checked || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition((position) => {
    form.elements.latitude.value = position.coords.latitude.toFixed(6);
    form.elements.longitude.value = position.coords.longitude.toFixed(6);
  }, () => {
    checkbox.checked = false;
    setStatus(cardOf(form).querySelector("[data-row-status]"), "Your position is not available; the proof is saved without it.");
  }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
}
