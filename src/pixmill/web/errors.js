// Errors shown next to what caused them, in plain words.

import { $ } from "./ui.js";

// A parameter's control, where it is not the element of the same id.
const CONTROLS = { image: "edit-files", mask: "edit-mask" };

/** `image_urls[2]`, `image[1]` and `image` all point at the image inputs. */
function slotName(param) {
  return /^image(_urls)?(\[\d+\])?$/.test(param) ? "image" : param;
}

function controlFor(name) {
  if (name === "size" && $("size").value === "custom") return $("size-custom");
  return $(CONTROLS[name] ?? name);
}

export function clearErrors() {
  for (const slot of document.querySelectorAll(".error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const control of document.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
}

function show(slot, text, control = null) {
  slot.textContent = text;
  slot.hidden = false;
  if (control) control.setAttribute("aria-invalid", "true");
}

function clock(seconds, resetAt) {
  const at = resetAt ? new Date(resetAt) : new Date(Date.now() + (seconds ?? 60) * 1000);
  const wait = Math.max(1, Math.round((at.getTime() - Date.now()) / 1000));
  return `${at.toLocaleTimeString()} (in ${wait} second${wait === 1 ? "" : "s"})`;
}

/** Words a person understands for an ApiError (or any other failure). */
export function explain(error) {
  const status = error.status ?? 0;
  const message = error.message || "Something went wrong.";
  if (/safety system|moderation/i.test(message)) {
    return `Blocked by moderation: ${message}`;
  }
  switch (status) {
    case 0:
      return `Could not reach the server: ${message}`;
    case 401:
      return "The server did not accept this API key: it is wrong, revoked or expired.";
    case 406:
      return "Insufficient credits: this account cannot pay for this request. " +
        "Ask for fewer, smaller or lower-quality images, or have credits added.";
    case 429:
      return `Too many requests for this key. You can try again at ${clock(error.retryAfter, error.resetAt)}.`;
    case 503:
      return `The server is busy. Try again in ${error.retryAfter ?? 5} seconds. (${message})`;
    default:
      return message;
  }
}

/**
 * Shows an error beside its control (the error's `param`), at the key, or in `formSlot`.
 * `aliases` maps a parameter to another slot (an edit's prompt). Returns the slot used.
 */
export function showError(error, { formSlot = $("form-error"), aliases = {} } = {}) {
  const text = explain(error);
  if (error.status === 401) {
    show($("key-error"), text, $("api-key"));
    $("api-key").focus();
    return $("key-error");
  }
  const name = error.param ? aliases[error.param] ?? slotName(error.param) : null;
  const slot = name ? $(`${name}-error`) : null;
  if (slot) {
    const control = controlFor(name);
    show(slot, text, control);
    return slot;
  }
  show(formSlot, text);
  return formSlot;
}
