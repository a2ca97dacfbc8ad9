/* A signature drawn with a finger (or mouse, or pen) on a canvas, exported as a PNG Blob.
 *
 * Pointer events cover touch, pen and mouse alike; `touch-action: none` on the canvas (app.css) keeps
 * the page from scrolling while someone signs. The "Clear signature" button is an ordinary button, so
 * it is reachable with the keyboard. Nobody is forced to sign: the recipient's typed name and the
 * photos are a proof on their own.
 */
export class SignaturePad {
  constructor(canvas, { onChange = () => {} } = {}) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.onChange = onChange;
    this.strokes = 0;
    this.drawing = false;
    this.reset();
    canvas.addEventListener("pointerdown", (event) => this.start(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const name of ["pointerup", "pointercancel", "pointerleave"]) {
      canvas.addEventListener(name, () => this.end());
    }
  }

  reset() {
    const { context, canvas } = this;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = "#111";
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
  }

  point(event) {
    // The canvas is drawn at its own size and shown at the CSS width: scale the finger's position.
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (this.canvas.width / box.width),
            (event.clientY - box.top) * (this.canvas.height / box.height)];
  }

  start(event) {
    event.preventDefault();
    if (this.canvas.setPointerCapture) {
      try { this.canvas.setPointerCapture(event.pointerId); } catch (error) { /* synthetic events */ }
    }
    this.drawing = true;
    this.moved = false;
    const [x, y] = this.point(event);
    this.context.beginPath();
    this.context.moveTo(x, y);
  }

  move(event) {
    if (!this.drawing) return;
    event.preventDefault();
    const [x, y] = this.point(event);
    this.context.lineTo(x, y);
    this.context.stroke();
    this.moved = true;
  }

  end() {
    if (!this.drawing) return;
    this.drawing = false;
    if (this.moved) {
      this.strokes += 1;
      this.onChange(this);
    }
  }

  /** True until someone has drawn at least one stroke. */
  isEmpty() {
    return this.strokes === 0;
  }

  /** Wipe the pad. */
  clear() {
    this.strokes = 0;
    this.reset();
    this.onChange(this);
  }

  /** The signature as a PNG Blob. */
  toBlob() {
    return new Promise((resolve, reject) => this.canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("The signature could not be saved."))), "image/png"));
  }
}
