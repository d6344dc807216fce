// The public API, called exactly as any client would: x-api-key on every call,
// Segmind-form errors ({"error": "...", "param": "..."}) or OpenAI-form ones read alike.

/** An API answer that was not 2xx, with what a person needs to understand it. */
export class ApiError extends Error {
  constructor(
    status,
    message,
    { param = null, retryAfter = null, resetAt = null, shouldRetry = null } = {},
  ) {
    super(message);
    this.status = status;
    this.param = param;
    this.retryAfter = retryAfter;
    this.resetAt = resetAt;
    this.shouldRetry = shouldRetry; // the server's x-should-retry, where it said
  }
}

// A submit is retried, under the same Idempotency-Key, after a failed connection or an
// answer that asks to wait: a job whose answer was lost is found again, not made twice.
const SUBMIT_ATTEMPTS = 4;
const RETRY_STATUSES = new Set([409, 429, 502, 503, 504]);

function retryable(error) {
  if (!(error instanceof ApiError)) return true; // fetch itself failed: no answer came
  if (error.shouldRetry !== null) return error.shouldRetry;
  return RETRY_STATUSES.has(error.status);
}

/** A fresh Idempotency-Key: 128 random bits (crypto.randomUUID needs https; this does not). */
function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Reads an error body of either dialect into an ApiError. */
async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  let message = `The server answered ${response.status}.`;
  let param = null;
  if (body && typeof body.error === "string") {
    message = body.error;
    param = typeof body.param === "string" ? body.param : null;
  } else if (body && body.error && typeof body.error.message === "string") {
    message = body.error.message;
    param = typeof body.error.param === "string" ? body.error.param : null;
  }
  const retry = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  const hint = response.headers.get("x-should-retry");
  return new ApiError(response.status, message, {
    param,
    retryAfter: Number.isFinite(retry) ? retry : null,
    resetAt: response.headers.get("x-rate-limit-reset-at-utc"),
    shouldRetry: hint === "true" ? true : hint === "false" ? false : null,
  });
}

export class Client {
  /** `onCredits(text)` hears every x-remaining-credits header. */
  constructor(key, onCredits) {
    this.key = key;
    this.onCredits = onCredits;
  }

  headers(extra = {}) {
    return this.key ? { "x-api-key": this.key, ...extra } : { ...extra };
  }

  async request(method, path, body = undefined, { signal = undefined, headers = {} } = {}) {
    const init = { method, headers: this.headers(headers), signal, cache: "no-store" };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const credits = response.headers.get("x-remaining-credits");
    if (credits !== null) this.onCredits(credits);
    if (!response.ok) throw await errorFrom(response);
    return response.json();
  }

  models() {
    return this.request("GET", "/v1/models");
  }

  model(id) {
    return this.request("GET", `/v1/models/${encodeURIComponent(id)}`);
  }

  credits() {
    return this.request("GET", "/v1/get-user-credits");
  }

  /**
   * POST /v2/{model} under one Idempotency-Key, retried with that key while a retry can
   * help. `onRetry(seconds)` hears each wait.
   */
  async submit(model, body, onRetry = () => {}) {
    const headers = { "idempotency-key": newIdempotencyKey() };
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.request("POST", `/v2/${encodeURIComponent(model)}`, body, { headers });
      } catch (error) {
        if (attempt >= SUBMIT_ATTEMPTS || !retryable(error)) throw error;
        const seconds = Math.min(30, error.retryAfter ?? 0.5 * 2 ** (attempt - 1));
        onRetry(seconds);
        await sleep(seconds * 1000);
      }
    }
  }

  job(id) {
    return this.request("GET", `/v2/requests/${encodeURIComponent(id)}`);
  }

  status(id) {
    return this.request("GET", `/v2/requests/${encodeURIComponent(id)}/status`);
  }

  cancel(id) {
    return this.request("DELETE", `/v2/requests/${encodeURIComponent(id)}`);
  }

  history(after = null, limit = 20) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (after) query.set("after", after);
    return this.request("GET", `/v2/requests?${query}`);
  }

  /**
   * A job's events, read with fetch so the key travels in a header, never in a URL.
   * Yields {event, data, id}; resumes from the last id when the connection drops.
   */
  async *events(id, signal) {
    let lastId = null;
    // A dropped stream is resumed at once, then after 0.3 and 0.6 s; a stream that
    // cannot be read at all (a proxy that buffers it) soon leaves the job to polling.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const headers = this.headers({ accept: "text/event-stream" });
      if (lastId !== null) headers["last-event-id"] = lastId;
      let response;
      try {
        response = await fetch(`/v2/requests/${encodeURIComponent(id)}/events`, {
          headers, signal, cache: "no-store",
        });
      } catch (error) {
        if (signal.aborted) return;
        await sleep(300 * attempt);
        continue;
      }
      if (!response.ok) throw await errorFrom(response);
      try {
        for await (const message of parseEvents(response.body)) {
          if (message.id !== null) lastId = message.id;
          attempt = 0;
          yield message;
          if (["completed", "failed", "cancelled"].includes(message.event)) return;
        }
      } catch (error) {
        if (signal.aborted) return;
      }
      await sleep(300 * attempt);
    }
    throw new ApiError(0, "Lost the connection to the server while following the job.");
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Server-sent events from a byte stream: {event, data (parsed JSON), id}; comments skipped. */
export async function* parseEvents(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      let id = null;
      const data = [];
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
        else if (field === "id") id = text;
      }
      if (data.length === 0) continue;
      let parsed;
      try {
        parsed = JSON.parse(data.join("\n"));
      } catch {
        continue;
      }
      yield { event, data: parsed, id };
    }
  }
}
