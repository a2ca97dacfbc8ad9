/* The driver's pages offline (run page, stop page, end-of-day cash), on top of the command log.
 *
 * - "Take today's run offline" asks the service worker to keep the run page, every stop page and the
 *   cash page, and shows its progress, then "Ready offline".
 * - The confirm form: photos from the camera (or gallery) are shrunk and re-encoded on the phone
 *   (photos.js, no EXIF), a signature is drawn on a canvas (signature.js), the position is added only
 *   if the driver ticks the box. Submitting writes a `delivery.confirm` command with its images to the
 *   log (commandlog.js); "Saved on this phone" shows once IndexedDB has it. `delivery.fail` and `run.settle`
 *   likewise. Without JavaScript the same forms post to the server.
 * - Stops with commands not yet answered carry a "Waiting to send" badge and the predicted status;
 *   photos show their upload progress; once answered, the run page shows the server's truth again.
 */
import * as commandlog from "./commandlog.js";
import { describe, prepare } from "./photos.js";
import { SignaturePad } from "./signature.js";
import { showFieldError } from "./page.js";

const DELIVERY_TYPES = new Set(["delivery.confirm", "delivery.fail"]);
const STATUS_WORDS = { pending: "To deliver", delivered: "Delivered", failed: "Not delivered" };
const CASH = /^\s*[£$€]?\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/;
const userId = document.querySelector('meta[name="waybill-user"]')?.content;
const photosByForm = new WeakMap();
const pads = new WeakMap();
let pendingStops = null;  // stop ids with unanswered commands at the last render

function parseCash(text) {
  const match = CASH.exec(text || "0");
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "0").padEnd(2, "0"));
}

function money(minor) {
  return (minor / 100).toFixed(2);
}

// -- field errors (same look as the server's) ------------------------------------------------------

function setStatus(element, text) {
  if (element) element.textContent = text;
}

function cardOf(form) {
  return form.closest("[data-stop-card]");
}

// -- photos ---------------------------------------------------------------------------------------
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

async function onPhotosChosen(event) {
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

// -- signature and position -----------------------------------------------------------------------
function startSignature(form) {
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

function askPosition(checkbox) {
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

// -- the forms become commands --------------------------------------------------------------------
function stopBase(card) {
  return { run_stop: { id: Number(card.dataset.stopId), version: Number(card.dataset.version) || null } };
}

async function readConfirm(form) {
  const card = cardOf(form);
  const name = form.elements.recipient_name;
  const photoInput = form.querySelector("[data-photo-input]");
  const photos = photosByForm.get(photoInput) || [];
  const pad = pads.get(form);
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
      photosByForm.set(photoInput, []);
      renderPreviews(form, photoInput);
      if (pad) pad.clear();
    },
  };
}

async function readFail(form) {
  const card = cardOf(form);
  const reason = form.elements.reason;
  const note = form.elements.note;
  const photoInput = form.querySelector("[data-photo-input]");
  const photo = (photosByForm.get(photoInput) || [])[0];
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
      photosByForm.set(photoInput, []);
      renderPreviews(form, photoInput);
    },
  };
}

function readSettle(form) {
  const counted = parseCash(form.elements.counted.value);
  showFieldError(form.elements.counted, counted === null || !form.elements.counted.value.trim()
    ? "Enter the cash you are handing in, like 42.50." : "");
  if (counted === null || !form.elements.counted.value.trim()) { form.elements.counted.focus(); return null; }
  const runId = Number(form.closest("[data-settle]").dataset.runId);
  return {
    command: { type: "run.settle", v: 1, base: {}, payload: { run_id: runId, counted_minor: counted,
               note: form.elements.note.value.trim().slice(0, 500) }, label: `Cash for run ${runId}: ${money(counted)}` },
    saved: `Saved on this phone: ${money(counted)} counted.`,
    reset: () => {},
  };
}

const READERS = { "delivery.confirm": readConfirm, "delivery.fail": readFail, "run.settle": readSettle };

async function onSubmit(event) {
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

// -- badges, predictions, upload progress and the server's truth -------------------------------------
function predicted(commands) {
  const last = commands[commands.length - 1];
  if (last.type === "delivery.confirm" || commands.some((c) => c.type === "delivery.confirm")) return "delivered";
  return "failed";
}

function renderStops(pending, photosWaiting) {
  const byStop = new Map();
  for (const command of pending.filter((c) => DELIVERY_TYPES.has(c.type))) {
    const id = String(command.payload.stop_id);
    byStop.set(id, [...(byStop.get(id) || []), command]);
  }
  const photoCommands = new Set(photosWaiting.map((b) => b.command_id));
  document.querySelectorAll("[data-stop-card]").forEach((card) => {
    const commands = byStop.get(card.dataset.stopId);
    const status = card.querySelector("[data-stop-status]");
    let badge = card.querySelector("[data-stop-badge]");
    if (!commands) {
      if (badge) badge.remove();
      if (status) status.textContent = STATUS_WORDS[card.dataset.status] || status.textContent;
      return;
    }
    const state = predicted(commands);
    if (status) status.textContent = STATUS_WORDS[state];
    if (!badge) {
      badge = document.createElement("p");
      badge.className = "badge pending";
      badge.dataset.stopBadge = "";
      card.querySelector("[data-row-status]").before(badge);
    }
    const photos = commands.reduce((n, c) => n + (photoCommands.has(c.id) ? (c.blob_refs || []).length : 0), 0);
    badge.textContent = `Waiting to send: ${state === "delivered" ? "delivered" : "not delivered"}` +
      (photos ? ` (${photos} ${photos === 1 ? "photo" : "photos"})` : "");
  });
  return new Set(byStop.keys());
}

async function refreshCards(stopIds, words) {
  if (!stopIds.length || !navigator.onLine) return;
  const list = document.getElementById("run-stops");
  for (const id of stopIds) setStatus(document.querySelector(`#stop-${id} [data-row-status]`), words.get(id));
  if (!list) return;  // a stop page keeps its forms; its status line says what happened
  let fresh;
  try {
    const response = await fetch(location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } });
    if (!response.ok) return;
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch (error) {
    return;
  }
  for (const id of stopIds) {
    const card = document.getElementById(`stop-${id}`);
    const replacement = fresh.getElementById(`stop-${id}`);
    if (!card || !replacement) continue;
    const copy = document.importNode(replacement, true);
    card.replaceWith(copy);
    setStatus(copy.querySelector("[data-row-status]"), words.get(id));
  }
}

function outcomeWords(command) {
  if (!command) return "Recorded on the server.";
  const outcome = command.outcome || {};
  if (command.state === commandlog.REJECTED) return `Not recorded: ${outcome.message || "refused"} See Needs attention.`;
  if (command.state === commandlog.FLAGGED) {
    const notes = (outcome.exceptions || []).map((e) => e.message).join(" ");
    return `Recorded, and the office has been told: ${notes}`;
  }
  return "Recorded on the server.";
}

async function render() {
  const [queued, sending, done, rejected, flagged, photosWaiting, refused] = await Promise.all([
    commandlog.list(commandlog.QUEUED), commandlog.list(commandlog.SENDING), commandlog.list(commandlog.DONE),
    commandlog.list(commandlog.REJECTED), commandlog.list(commandlog.FLAGGED),
    commandlog.listBlobs(commandlog.BLOB_WAITING), commandlog.listBlobs(commandlog.BLOB_REFUSED)]);
  const photoCommandIds = new Set(photosWaiting.map((b) => b.command_id));
  // A stop stays "waiting" until its command is answered AND its photos are stored.
  const unfinished = [...queued, ...sending, ...[...done, ...flagged].filter((c) => photoCommandIds.has(c.id))];
  const now = renderStops(unfinished, photosWaiting);
  for (const blob of refused) {
    const command = [...done, ...flagged].find((c) => c.id === blob.command_id);
    if (command) setStatus(document.querySelector(`#stop-${command.payload.stop_id} [data-row-status]`),
      `A photo was not accepted: ${blob.error}`);
  }
  const before = pendingStops;
  pendingStops = now;
  if (before) {
    const answered = [...before].filter((id) => !now.has(id));
    const latest = new Map();
    for (const command of [...done, ...rejected, ...flagged].sort((a, b) => a.seq - b.seq)) {
      if (DELIVERY_TYPES.has(command.type)) latest.set(String(command.payload.stop_id), command);
    }
    await refreshCards(answered, new Map(answered.map((id) => [id, outcomeWords(latest.get(id))])));
  }
  await renderSettle([...queued, ...sending], [...done, ...rejected]);
}

let settlePending = null;
async function renderSettle(pending, answered) {
  const settle = document.querySelector("[data-settle]");
  if (!settle) return;
  const waiting = pending.some((c) => c.type === "run.settle");
  const status = settle.querySelector("[data-row-status]");
  // After a reload the page no longer says "Saved on this phone": it says what is still waiting.
  if (waiting && !status.textContent) setStatus(status, "Waiting to send the cash count.");
  if (settlePending && !waiting) {
    const last = answered.filter((c) => c.type === "run.settle").sort((a, b) => a.seq - b.seq).pop();
    if (last && last.state === commandlog.REJECTED) setStatus(status, `Not recorded: ${(last.outcome || {}).message || "refused"}`);
    else if (navigator.onLine) location.reload();  // show the server's settlement
  }
  settlePending = waiting;
}

function onProgress({ commandId, loaded, total }) {
  const percent = total ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
  commandlog.list(commandlog.DONE).then((done) => commandlog.list(commandlog.FLAGGED).then((flagged) => {
    const command = [...done, ...flagged].find((c) => c.id === commandId);
    if (!command) return;
    const card = document.getElementById(`stop-${command.payload.stop_id}`);
    const line = card && (card.querySelector("[data-upload-progress]") || card.querySelector("[data-row-status]"));
    setStatus(line, `Uploading photos: ${percent}%`);
  })).catch(() => {});
}

// -- "Take today's run offline" --------------------------------------------------------------------
async function takeOffline(button) {
  const progress = button.parentElement.querySelector("[data-offline-progress]");
  const urls = JSON.parse(button.dataset.urls || "[]");
  if (!("serviceWorker" in navigator)) {
    setStatus(progress, "This browser cannot keep pages offline.");
    return;
  }
  button.disabled = true;
  setStatus(progress, `Saving for offline: 0 of ${urls.length}…`);
  try {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    const result = await new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => reject(new Error("timeout")), 60000);
      channel.port1.onmessage = ({ data }) => {
        if (data.type === "progress") setStatus(progress, `Saving for offline: ${data.done} of ${data.total}…`);
        if (data.type === "done") { clearTimeout(timer); resolve(data); }
      };
      worker.postMessage({ type: "cache-pages", urls }, [channel.port2]);
    });
    setStatus(progress, result.failed.length
      ? `Could not save ${result.failed.length} of ${result.total} pages. Try again where there is a signal.`
      : `Ready offline: ${result.total} pages saved.`);
    button.dataset.ready = result.failed.length ? "" : "yes";
  } catch (error) {
    setStatus(progress, "Could not save the run for offline use. Try again where there is a signal.");
  } finally {
    button.disabled = false;
  }
}

function start() {
  if (!userId || !commandlog.supported()) return;  // no log: the forms post the ordinary way
  commandlog.configure({ userId, csrfToken: document.querySelector('meta[name="csrf-token"]')?.content });
  document.addEventListener("submit", onSubmit);
  document.querySelectorAll("[data-photo-input]").forEach((input) => input.addEventListener("change", onPhotosChosen));
  document.querySelectorAll("form[data-offline=\"delivery.confirm\"]").forEach(startSignature);
  document.querySelectorAll("[data-share-position]").forEach((box) => box.addEventListener("change", () => askPosition(box)));
  document.querySelectorAll("[data-take-offline]").forEach((button) =>
    button.addEventListener("click", () => takeOffline(button)));
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
