/* Photos for proofs of delivery, made small on the phone before they are kept or sent.
 *
 * A camera photo is several MB and carries EXIF (often the GPS position of the driver's home when
 * taken there). Each one is drawn onto a canvas at most MAX_EDGE px on its longer side and
 * re-encoded as JPEG: the result is a few hundred KB and has no EXIF at all, because a canvas export
 * writes only pixels. Its SHA-256 is computed here (crypto.subtle), so the server can check that what
 * arrives is exactly what the phone meant to send.
 */
export const MAX_EDGE = 1600;
export const QUALITY = 0.8;
export const TYPE = "image/jpeg";

async function decode(file) {
  // "from-image" applies the EXIF orientation before it is dropped, so portrait photos stay upright.
  if ("createImageBitmap" in self) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) { /* fall back to <img> below (older engines, some HEIC files) */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function canvasToBlob(canvas, type, quality) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error("This photo could not be encoded."))), type, quality));
}

/** The photo shrunk to MAX_EDGE and re-encoded as JPEG (no EXIF): {blob, width, height}. */
export async function shrink(file, { maxEdge = MAX_EDGE, quality = QUALITY } = {}) {
  const image = await decode(file);
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  if (!width || !height) throw new Error("This file is not a photo this phone can read.");
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = "OffscreenCanvas" in self ? new OffscreenCanvas(w, h) : Object.assign(document.createElement("canvas"), { width: w, height: h });
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";  // a transparent PNG becomes white, not black, as a JPEG
  context.fillRect(0, 0, w, h);
  context.drawImage(image, 0, 0, w, h);
  if (image.close) image.close();
  return { blob: await canvasToBlob(canvas, TYPE, quality), width: w, height: h };
}

/** SHA-256 of a Blob as 64 lower-case hex digits. */
export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A blob ready for the command log: {id, sha256, size, type, role, data}. */
export async function describe(blob, role) {
  return { id: crypto.randomUUID(), sha256: await sha256Hex(blob), size: blob.size, type: blob.type || TYPE,
           role, data: blob };
}

/** A chosen camera/gallery file, shrunk, hashed and ready to queue. */
export async function prepare(file, role = "photo") {
  const { blob } = await shrink(file);
  return describe(blob, role);
}
