/* The driver's forms become commands in the phone's log: `delivery.confirm` (with its photos and signature),
 * `delivery.fail` and `run.settle`. "Saved on this phone" shows once IndexedDB has the command; if the log
 * cannot be written, the form is posted the ordinary way when there is a connection. */
import * as commandlog from "./commandlog.js";
import { describe } from "./photos.js";
import { setStatus, showFieldError } from "./page.js";
import { cardOf, chosenPhotos, clearPhotos, signatureOf } from "./driver_evidence.js";
import { formatMoney } from "./money.js";

const CASH = /^\s*[£$€]?\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/;

function parseCash(text) {
  const match = CASH.exec(text || "0");
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "0").padEnd(2, "0"));
}


function stopBase(card) {
  return { run_stop: { id: Number(card.dataset.stopId), version: Number(card.dataset.version) || null } };
}

async function readConfirm(form) {
  const card = cardOf(form);
  const name = form.elements.recipient_name;
  const photoInput = form.querySelector("[data-photo-input]");
  const photos = chosenPhotos(photoInput);
  const pad = signatureOf(form);
  let ok = true;
  showFieldError(name, name.value.trim() ? "" : "Enter the name of the person who took the parcel.");
  if (!name.value.trim()) ok = false;
  const evidence = photos.length || (pad && !pad.isEmpty());
  showFieldError(photoInput, evidence ? "" : "Add a photo or the recipient's signature.");
  if (!evidence) ok = false;
  let cod = 0;
  if (form.elements.cod_collected) {
    cod = parseCash(form.elements.cod_collected.value);
    showFieldError(form.elements.cod_collected, cod === null ? "Enter an amount like 12.50." : "");
    if (cod === null) ok = false;
  }
  if (!ok) {
    form.querySelector("[aria-invalid=true]").focus();
    return null;
  }
  const blobs = [...photos];
  if (pad && !pad.isEmpty()) blobs.push(await describe(await pad.toBlob(), "signature"));
  const lat = parseFloat(form.elements.latitude.value);
  const lon = parseFloat(form.elements.longitude.value);
  const payload = {
    stop_id: Number(card.dataset.stopId), recipient_name: name.value.trim().slice(0, 200),
    cod_collected_minor: cod, occurred_at: new Date().toISOString(),
    blob_refs: blobs.map(({ id, sha256, size, type, role }) => ({ id, sha256, size, type, role })),
  };
  if (Number.isFinite(lat) && Number.isFinite(lon)) Object.assign(payload, { latitude: lat, longitude: lon });
  return {
    command: { type: "delivery.confirm", v: 1, base: stopBase(card), payload, blobs,
               label: `Stop ${card.dataset.position} (${card.dataset.recipient || ""}): delivered to ${payload.recipient_name}` },
    saved: `Saved on this phone: delivered to ${payload.recipient_name}.`,
    reset: () => {
      name.value = "";
      clearPhotos(form, photoInput);
      if (pad) pad.clear();
    },
  };
}

async function readFail(form) {
  const card = cardOf(form);
  const reason = form.elements.reason;
  const note = form.elements.note;
  const photoInput = form.querySelector("[data-photo-input]");
  const photo = chosenPhotos(photoInput)[0];
  const needsNote = reason.value === "other" && !note.value.trim();
  showFieldError(note, needsNote ? "Say what happened in the note." : "");
  if (needsNote) { note.focus(); return null; }
  const payload = { stop_id: Number(card.dataset.stopId), reason: reason.value, note: note.value.trim().slice(0, 500),
                    occurred_at: new Date().toISOString() };
  if (photo) payload.photo = { id: photo.id, sha256: photo.sha256, size: photo.size, type: photo.type, role: "photo" };
  const words = reason.options[reason.selectedIndex].text;
  return {
    command: { type: "delivery.fail", v: 1, base: stopBase(card), payload, blobs: photo ? [photo] : [],
               label: `Stop ${card.dataset.position} (${card.dataset.recipient || ""}): not delivered – ${words}` },
    saved: `Saved on this phone: not delivered (${words}).`,
    reset: () => {
      note.value = "";
      clearPhotos(form, photoInput);
    },
  };
}

function readSettle(form) {
  const counted = parseCash(form.elements.counted.value);
  showFieldError(form.elements.counted, counted === null || !form.elements.counted.value.trim()
    ? "Enter the cash you are handing in, like 42.50." : "");
  if (counted === null || !form.elements.counted.value.trim()) { form.elements.counted.focus(); return null; }
  const settle = form.closest("[data-settle]");
  const runId = Number(settle.dataset.runId);
  const money = (minor) => formatMoney(minor, settle.dataset.currency || "GBP");
  return {
    command: { type: "run.settle", v: 1, base: {}, payload: { run_id: runId, counted_minor: counted,
               note: form.elements.note.value.trim().slice(0, 500) }, label: `Cash for run ${runId}: ${money(counted)}` },
    saved: `Saved on this phone: ${money(counted)} counted.`,
    reset: () => {},
  };
}

const READERS = { "delivery.confirm": readConfirm, "delivery.fail": readFail, "run.settle": readSettle };

/** Save a driver's form as a command on the phone instead of posting it (one tap, one command). */
export async function onSubmit(event) {
  const form = event.target;
  const read = form instanceof HTMLFormElement && READERS[form.dataset.offline];
  if (!read) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;  // one tap, one command
  const status = (cardOf(form) || form).querySelector("[data-row-status]");
  try {
    const built = await read(form);
    if (!built) return;
    await commandlog.enqueue(built.command);
    built.reset();
    setStatus(status, built.saved);
  } catch (error) {
    console.warn("Waybill: could not save this on the phone", error);
    setStatus(status, navigator.onLine
      ? "Could not save this on the phone; sending it the ordinary way."
      : "Could not save this on the phone, and there is no connection: nothing was recorded. Try again.");
    if (navigator.onLine && form.dataset.offline !== "delivery.confirm") form.submit();
  } finally {
    button.disabled = false;
  }
}
