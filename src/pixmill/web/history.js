// The key's recent jobs (GET /v2/requests), newest first, with thumbnails while
// their results are kept.

import { explain } from "./errors.js";
import { statusText } from "./job.js";
import { $, dataUrl, el, formatTime } from "./ui.js";

export class History {
  constructor(getClient, onOpen) {
    this.getClient = getClient;
    this.onOpen = onOpen;
    this.cursor = null;
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
        el("p", { class: "prompt-text", text: row.prompt ?? "" }),
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

  async thumbnail(client, id, thumb, open) {
    let body;
    try {
      body = await client.job(id);
    } catch {
      thumb.textContent = "expired";
      return;
    }
    const first = body.output?.images?.[0];
    if (!first) {
      thumb.textContent = "expired";
      return;
    }
    thumb.replaceChildren(el("img", { src: dataUrl(first.b64_json, first.output_format), alt: "" }));
    open.hidden = false;
    open.addEventListener("click", () => this.onOpen(body));
  }
}
