// One job through the async API: POST /v2/{model}, follow its events (or poll its
// status when events cannot be read), show partials and progress, then the results.

import { ApiError } from "./api.js";
import { $, dataUrl, el, extension } from "./ui.js";

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

const STATUS_WORDS = {
  QUEUED: "Queued",
  PROCESSING: "Rendering",
  COMPLETED: "Done",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

export function statusText(status, queuePosition = null) {
  const words = STATUS_WORDS[status] ?? String(status);
  if (status === "QUEUED" && Number.isInteger(queuePosition)) {
    return `${words}: position ${queuePosition} in the queue`;
  }
  return words;
}

function setStatus(text) {
  $("job-status").textContent = text;
}

function setProgress(value) {
  const progress = $("job-progress");
  progress.value = Math.max(0, Math.min(1, Number(value) || 0));
  progress.textContent = `${Math.round(progress.value * 100)}%`;
}

function showPartial(data) {
  const key = `${data.index}-${data.partial_image_index}`;
  const alt = `Partial image ${Number(data.partial_image_index) + 1} of image ${Number(data.index) + 1}`;
  let img = $("partials").querySelector(`img[data-key="${CSS.escape(key)}"]`);
  if (!img) {
    // In order of image, then of partial, however the events interleave.
    const rank = Number(data.index) * 100 + Number(data.partial_image_index);
    img = el("img", { "data-key": key, "data-rank": rank, alt, class: "partial" });
    const after = [...$("partials").children].find((other) => Number(other.dataset.rank) > rank);
    $("partials").insertBefore(img, after ?? null);
  }
  img.src = dataUrl(data.b64_json, data.output_format);
}

/**
 * Runs one job to its end. `hooks`: onStart(id), onResult(body), onError(error).
 * Returns a handle whose cancel() asks the server to cancel it.
 */
export function runJob(client, model, body, hooks) {
  const controller = new AbortController();
  let requestId = null;
  let cancelAsked = false;
  $("job").hidden = false;
  $("partials").replaceChildren();
  $("partials-none").hidden = true;
  setProgress(0);
  setStatus("Submitting…");

  const done = (async () => {
    const created = await client.submit(model, body, (seconds) =>
      setStatus(`Submitting… no answer yet; trying again in ${seconds} s with the same request`),
    );
    requestId = created.request_id;
    hooks.onStart(requestId);
    setStatus(statusText(created.status ?? "QUEUED"));
    if (cancelAsked) await cancelJob(client, requestId);
    let final;
    try {
      final = await follow(client, requestId, controller.signal);
    } catch (error) {
      if (!(error instanceof ApiError) || controller.signal.aborted) throw error;
      // No event stream, or it kept failing: poll the status instead.
      final = await poll(client, requestId, controller.signal);
    }
    return final;
  })();

  const finished = done.then(
    (final) => {
      if (final.status === "COMPLETED") {
        setStatus(statusText("COMPLETED"));
        setProgress(1);
        // Partials are asked for, not promised: an engine may have none to send.
        $("partials-none").hidden = !(body.partial_images > 0) || $("partials").children.length > 0;
        hooks.onResult(final.body);
      } else if (final.status === "FAILED") {
        setStatus(statusText("FAILED"));
        hooks.onError(new ApiError(422, final.body.error ?? "The job failed.", { param: final.body.param ?? null }));
      } else {
        setStatus(statusText("CANCELLED"));
      }
    },
    (error) => {
      setStatus(statusText("FAILED"));
      $("job").hidden = !requestId; // refused before it was a job: nothing to show
      hooks.onError(error);
    },
  );

  return {
    finished,
    get id() {
      return requestId;
    },
    /** Asks the server to cancel; before the job has an id, as soon as it has one. */
    async cancel() {
      cancelAsked = true;
      setStatus("Cancelling…");
      if (requestId) await cancelJob(client, requestId);
    },
    abort() {
      controller.abort();
    },
  };
}

async function cancelJob(client, id) {
  try {
    await client.cancel(id);
  } catch (error) {
    if (error.status !== 409) throw error; // 409: it had already finished
  }
}

/** Follows the job's events to its end: {status, body}. */
async function follow(client, id, signal) {
  for await (const { event, data } of client.events(id, signal)) {
    if (event === "status") setStatus(statusText(data.status, data.queue_position));
    else if (event === "progress") {
      setProgress(data.progress);
      setStatus(`${statusText("PROCESSING")}: ${Math.round(Number(data.progress) * 100)}%`);
    } else if (event === "partial_image") showPartial(data);
    else if (event === "completed") return { status: "COMPLETED", body: data };
    else if (event === "failed") return { status: "FAILED", body: data };
    else if (event === "cancelled") return { status: "CANCELLED", body: data };
  }
  throw new ApiError(0, "The event stream ended before the job did.");
}

/** Polls GET /v2/requests/{id}/status each second, then fetches the result. */
async function poll(client, id, signal) {
  for (;;) {
    let status;
    try {
      status = await client.status(id);
    } catch (error) {
      if (error.status === 422) return { status: "FAILED", body: { error: error.message, param: error.param } };
      throw error;
    }
    if (typeof status.progress === "number") setProgress(status.progress);
    setStatus(statusText(status.status, status.queue_position));
    if (TERMINAL.has(status.status)) {
      if (status.status !== "COMPLETED") return { status: status.status, body: status };
      return { status: "COMPLETED", body: await client.job(id) };
    }
    if (signal.aborted) throw new ApiError(0, "Stopped following the job.");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The image as a button that opens it full size (`zoom(url, alt)`). */
function zoomable(url, alt, index, zoom) {
  const img = el("img", { src: url, alt, class: "final", "data-index": index });
  const button = el("button", { type: "button", class: "zoom", title: "Show full size" }, img);
  button.addEventListener("click", () => zoom(url, alt));
  return button;
}

function credits(value) {
  return value === undefined || value === null ? "–" : String(value);
}

function seconds(value) {
  return typeof value === "number" ? `${value.toFixed(2)} s` : "–";
}

/**
 * Shows a COMPLETED job body (GET /v2/requests/{id}): its resolved parameters, cost and
 * time, and each image (a click shows it full size) with its seed, a download link,
 * "same again" and "use as input".
 */
export function showResults(body, actions) {
  const output = body.output ?? {};
  const parameters = output.parameters ?? {};
  const meta = $("result-meta");
  const rows = [
    ["Request", body.request_id],
    ["Model", parameters.model],
    ["Size", parameters.size],
    ["Quality", parameters.quality],
    ["Background", parameters.background],
    ["Format", parameters.output_format],
    ["Compression", parameters.output_compression],
    ["Moderation", parameters.moderation],
    ["Images", parameters.n],
    ["Seed", parameters.seed],
    ["Cost", `${credits(output.credits)} credits`],
    ["Time", seconds(output.generation_time)],
    ["Queued", seconds(body.metrics?.queue_seconds)],
  ];
  meta.replaceChildren(
    ...rows
      .filter(([, value]) => value !== undefined && value !== null)
      .flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { text: value })]),
  );
  const images = (output.images ?? []).map((image, i) => {
    const format = image.output_format ?? parameters.output_format ?? "png";
    const url = dataUrl(image.b64_json, format);
    const number = Number.isInteger(image.index) ? image.index + 1 : i + 1;
    const name = `pixmill-${body.request_id}-${number}.${extension(format)}`;
    const same = el("button", { type: "button", text: "Same again with this seed" });
    same.addEventListener("click", () => actions.sameAgain(parameters, image));
    const reuse = el("button", { type: "button", text: "Use as input" });
    reuse.addEventListener("click", () => actions.useAsInput(url, name));
    return el(
      "figure",
      { class: "result" },
      zoomable(url, `Result image ${number}`, i, actions.zoom),
      el("figcaption", { text: `Image ${number} · seed ${image.seed ?? "?"} · ${image.size ?? parameters.size ?? ""}` }),
      el(
        "div",
        { class: "row" },
        el("a", { href: url, download: name, class: "button", text: `Download ${extension(format)}` }),
        same,
        reuse,
      ),
    );
  });
  $("result-images").replaceChildren(...images);
  $("results").hidden = false;
}
