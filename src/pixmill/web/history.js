// The key's recent jobs (GET /v2/requests), newest first, edits marked, with thumbnails
// while their results are kept.

import { explain } from "./errors.js";
import { statusText } from "./job.js";
import { $, dataUrl, el, formatTime } from "./ui.js";

export class History {
  constructor(getClient, onOpen) {
    this.getClient = getClient;
    this.onOpen = onOpen;
    this.cursor = null;
    this.thumbs = new Map(); // request id -> a small data URL, or null once results are gone
    $("history-refresh").addEventListener("click", () => this.load());
    $("history-more").addEventListener("click", () => this.load(this.cursor));
  }

  async load(after = null) {
    const client = this.getClient();
    if (!client) return;
    const error = $("history-error");
    error.hidden = true;
    let page;
    try {
      page = await client.history(after);
    } catch (failure) {
      error.textContent = explain(failure);
      error.hidden = false;
      return;
    }
    const items = (page.data ?? []).map((row) => this.item(client, row));
    if (after) $("history").append(...items);
    else $("history").replaceChildren(...items);
    if (!after && items.length === 0) {
      $("history").append(el("li", { class: "empty", text: "No jobs yet for this key." }));
    }
    this.cursor = page.has_more ? page.next_cursor : null;
    $("history-more").hidden = !this.cursor;
  }

  item(client, row) {
    const thumb = el("div", { class: "thumb", "aria-hidden": "true" });
    const open = el("button", { type: "button", text: "Show results" });
    open.hidden = true;
    const item = el(
      "li",
      { class: `job-row status-${String(row.status).toLowerCase()}` },
      thumb,
      el(
        "div",
        { class: "job-text" },
        el(
          "p",
          { class: "prompt-text" },
          ...(row.edit ? [el("span", { class: "badge", text: "Edit" }), " "] : []),
          row.prompt ?? "",
        ),
        el("p", {
          class: "help",
          text: `${statusText(row.status)} · ${row.model ?? ""} · n=${row.n ?? "?"} · ${formatTime(row.created_at)}`,
        }),
        open,
      ),
    );
    if (row.status === "COMPLETED") this.thumbnail(client, row.request_id, thumb, open);
    return item;
  }

  /** A thumbnail of the job's first image, made once and kept (the results can be large). */
  async thumbnail(client, id, thumb, open) {
    if (!this.thumbs.has(id)) {
      let first = null;
      try {
        first = (await client.job(id)).output?.images?.[0] ?? null;
      } catch {
        first = null; // no longer kept
      }
      this.thumbs.set(id, first ? await shrink(dataUrl(first.b64_json, first.output_format)) : null);
    }
    const url = this.thumbs.get(id);
    if (!url) {
      thumb.textContent = "expired";
      return;
    }
    thumb.replaceChildren(el("img", { src: url, alt: "" }));
    open.hidden = false;
    open.addEventListener("click", async () => {
      try {
        this.onOpen(await client.job(id));
      } catch (failure) {
        $("history-error").textContent = explain(failure);
        $("history-error").hidden = false;
      }
    });
  }
}

/** The image scaled to fit 144 px, as a PNG data URL. */
async function shrink(url) {
  const image = new Image();
  image.src = url;
  try {
    await image.decode();
  } catch {
    return url; // the browser cannot draw it small: show it as it is
  }
  const scale = Math.min(1, 144 / Math.max(image.naturalWidth, image.naturalHeight));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/png");
}
