/* Small helpers the offline pages share. */

/** Put `text` in a status line, if the page has that line. */
export function setStatus(element, text) {
  if (element) element.textContent = text;
}

/** Show `message` under `input` the way the server renders field errors (or clear it when empty). */
export function showFieldError(input, message) {
  const id = `${input.id}-error`;
  let error = document.getElementById(id);
  if (!message) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    if (error) error.remove();
    return;
  }
  if (!error) {
    error = document.createElement("p");
    error.className = "field-error";
    error.id = id;
    input.after(error);
  }
  error.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", id);
}

/**
 * Wrap `renderOnce` so that renders never overlap: a call during a render asks for one more pass
 * after it (the command log may have changed meanwhile), and every caller gets the running promise.
 */
export function oneRenderAtATime(renderOnce) {
  let rendering = null;
  let again = false;
  return function render() {
    if (rendering) { again = true; return rendering; }
    rendering = (async () => {
      try {
        do { again = false; await renderOnce(); } while (again);
      } catch (error) {
        console.warn("Waybill: could not read the command log", error);
      } finally {
        rendering = null;
      }
    })();
    return rendering;
  };
}
