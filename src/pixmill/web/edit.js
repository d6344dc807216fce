// The edit inputs: images chosen, dropped or taken from results, and a mask painted
// over the first with a brush and an eraser. The mask follows OpenAI's rule: a PNG the
// size of the first image whose transparent area is where the picture may change.

import { $, el } from "./ui.js";

const TYPES = new Set(["image/png", "image/jpeg", "image/webp"]);

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("This file could not be read as an image."));
    image.src = url;
  });
}

const base64Of = (dataUrl) => dataUrl.slice(dataUrl.indexOf(",") + 1);

export class Editor {
  /** `onChange()` hears every change of the images or the mask. */
  constructor(onChange = () => {}) {
    this.onChange = onChange;
    this.inputs = []; // {name, url (a data URL), width, height}
    this.painted = false;
    this.base = $("edit-base");
    this.mask = $("edit-mask");
    this.wireFiles();
    this.wirePainting();
  }

  wireFiles() {
    $("edit-files").addEventListener("change", (event) => {
      this.addFiles(event.target.files);
      // Cleared so the same file can be chosen again; the list below says what was added.
      event.target.value = "";
    });
    const drop = $("drop");
    drop.addEventListener("dragover", (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      this.addFiles(event.dataTransfer.files);
    });
  }

  async addFiles(files) {
    const error = $("image-error");
    error.hidden = true;
    for (const file of files) {
      if (!TYPES.has(file.type)) {
        error.textContent = `${file.name}: only png, jpeg and webp images can be edited.`;
        error.hidden = false;
        continue;
      }
      await this.add(file.name, await readAsDataUrl(file));
    }
  }

  async add(name, url) {
    let image;
    try {
      image = await loadImage(url);
    } catch (failure) {
      $("image-error").textContent = `${name}: ${failure.message}`;
      $("image-error").hidden = false;
      return;
    }
    this.inputs.push({ name, url, width: image.naturalWidth, height: image.naturalHeight });
    this.renderList();
    if (this.inputs.length === 1) await this.loadFirst();
    this.onChange();
  }

  async remove(index) {
    this.inputs.splice(index, 1);
    this.renderList();
    if (index === 0) await this.loadFirst();
    this.onChange();
  }

  renderList() {
    const items = this.inputs.map((input, index) => {
      const remove = el("button", { type: "button", text: "Remove", "aria-label": `Remove ${input.name}` });
      remove.addEventListener("click", () => this.remove(index));
      return el(
        "li",
        {},
        el("img", { src: input.url, alt: "" }),
        el("span", { class: "name", text: input.name }),
        el("span", { class: "help", text: `${input.width}×${input.height}${index === 0 ? " · to change" : ""}` }),
        remove,
      );
    });
    $("edit-images").replaceChildren(...items);
    const count = this.inputs.length;
    $("edit-files-status").textContent =
      count === 0 ? "No images yet." : `${count} image${count === 1 ? "" : "s"} added.`;
  }

  /** Draws the first image and sizes a clear mask to it. */
  async loadFirst() {
    const first = this.inputs[0];
    $("mask-tools").disabled = !first;
    this.painted = false;
    $("mask-download").hidden = true;
    if (!first) {
      this.base.width = this.mask.width = 0;
      return;
    }
    const image = await loadImage(first.url);
    for (const canvas of [this.base, this.mask]) {
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
    }
    this.base.getContext("2d").drawImage(image, 0, 0);
  }

  wirePainting() {
    const ctx = () => this.mask.getContext("2d");
    let last = null;
    const point = (event) => {
      const rect = this.mask.getBoundingClientRect();
      const scale = this.mask.width / rect.width;
      return { x: (event.clientX - rect.left) * scale, y: (event.clientY - rect.top) * scale, scale };
    };
    const stroke = (from, to) => {
      const c = ctx();
      const eraser = document.querySelector('input[name="tool"]:checked').value === "eraser";
      c.globalCompositeOperation = eraser ? "destination-out" : "source-over";
      c.strokeStyle = "rgb(255, 40, 90)";
      c.lineCap = "round";
      c.lineJoin = "round";
      c.lineWidth = Number($("brush-size").value) * to.scale;
      c.beginPath();
      c.moveTo(from.x, from.y);
      c.lineTo(to.x + 0.01, to.y);
      c.stroke();
    };
    this.mask.addEventListener("pointerdown", (event) => {
      if (!this.inputs.length) return;
      this.mask.setPointerCapture(event.pointerId);
      last = point(event);
      stroke(last, last);
    });
    this.mask.addEventListener("pointermove", (event) => {
      if (!last) return;
      const next = point(event);
      stroke(last, next);
      last = next;
    });
    const end = () => {
      if (!last) return;
      last = null;
      this.painted = true;
      this.exportLink();
      this.onChange();
    };
    this.mask.addEventListener("pointerup", end);
    this.mask.addEventListener("pointercancel", end);
    $("mask-all").addEventListener("click", () => {
      const c = ctx();
      c.globalCompositeOperation = "source-over";
      c.fillStyle = "rgb(255, 40, 90)";
      c.fillRect(0, 0, this.mask.width, this.mask.height);
      this.painted = true;
      this.exportLink();
      this.onChange();
    });
    $("mask-clear").addEventListener("click", () => {
      ctx().clearRect(0, 0, this.mask.width, this.mask.height);
      this.painted = false;
      $("mask-download").hidden = true;
      this.onChange();
    });
  }

  /** The mask PNG as a data URL: opaque where nothing was painted, transparent where it was. */
  maskDataUrl() {
    const out = document.createElement("canvas");
    out.width = this.mask.width;
    out.height = this.mask.height;
    const c = out.getContext("2d");
    c.fillStyle = "#000";
    c.fillRect(0, 0, out.width, out.height);
    c.globalCompositeOperation = "destination-out";
    c.drawImage(this.mask, 0, 0);
    return out.toDataURL("image/png");
  }

  exportLink() {
    const link = $("mask-download");
    link.href = this.maskDataUrl();
    link.hidden = false;
  }

  /** Segmind's edit fields: image_urls (base64) and, when painted, mask (base64 PNG). */
  fields() {
    const body = { image_urls: this.inputs.map((input) => base64Of(input.url)) };
    if (this.painted) body.mask = base64Of(this.maskDataUrl());
    return body;
  }
}
