// What a call will cost, before it is made, from the server's own prices
// (GET /v1/models/{id}, "pricing"): the same rules the server charges by
// (src/pixmill/accounts/pricing.py and usage.py), in micro-credits.

const MICRO = 1_000_000;
const STANDARD_SIZES = ["1024x1024", "1024x1536", "1536x1024"];

const micro = (credits) => Math.round(Number(credits) * MICRO);

/** Micro-credits as credits, at most 6 decimals, no trailing zeros. */
export function formatCredits(amount) {
  return (amount / MICRO).toFixed(6).replace(/\.?0+$/, "");
}

/** One image's price: the size's own, else the "*" price, else 1024x1024's scaled by area. */
function perImage(pricing, quality, width, height) {
  const sizes = pricing.per_image[quality === "auto" ? pricing.default_quality : quality];
  if (!sizes) return null;
  const listed = sizes[`${width}x${height}`] ?? sizes["*"];
  if (listed !== undefined) return micro(listed);
  return Math.max(1, Math.round((micro(sizes["1024x1024"]) * width * height) / (1024 * 1024)));
}

// An input image's tokens, GPT-Image-1's tile method (usage.input_image_tokens): fit in
// 2048x2048, shortest side down to 512, then 65 + 129 per 512 px tile.
function inputTokens({ width, height }) {
  let [w, h] = [width, height];
  if (Math.max(w, h) > 2048) {
    const scale = 2048 / Math.max(w, h);
    [w, h] = [Math.max(1, Math.floor(w * scale)), Math.max(1, Math.floor(h * scale))];
  }
  if (Math.min(w, h) > 512) {
    const scale = 512 / Math.min(w, h);
    [w, h] = [Math.max(1, Math.floor(w * scale)), Math.max(1, Math.floor(h * scale))];
  }
  return 65 + 129 * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** The sizes a call may be made at: the one asked, or those "auto" can choose. */
function candidateSizes(size, edit) {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (match) return [[Number(match[1]), Number(match[2])]];
  if (size !== "auto") return [];
  const first = edit?.inputs?.[0];
  if (first && edit.masked) return [[first.width, first.height]]; // a masked edit keeps its size
  if (first) {
    // An edit without a mask: the standard size nearest the picture's shape.
    const aspect = first.width / first.height;
    return [aspect > 1.25 ? [1536, 1024] : aspect < 0.8 ? [1024, 1536] : [1024, 1024]];
  }
  return STANDARD_SIZES.map((text) => text.split("x").map(Number)); // chosen from the prompt
}

export class Prices {
  /** `getClient()` answers the API client (null without a key); `onLoad()` hears that a
   * model's prices came. */
  constructor(getClient, onLoad) {
    this.getClient = getClient;
    this.onLoad = onLoad;
    this.models = new Map(); // id -> pricing, or null while asked or when there is none
  }

  pricing(model) {
    const client = this.getClient();
    if (!model || !client) return null;
    if (!this.models.has(model)) {
      this.models.set(model, null);
      client
        .model(model)
        .then((body) => {
          if (body.pricing) {
            this.models.set(model, body.pricing);
            this.onLoad();
          }
        })
        .catch(() => this.models.delete(model)); // asked again at the next change
    }
    return this.models.get(model);
  }

  /**
   * {text, detail, atLeast} for a call of `model` with `params`, or null while the price
   * is unknown. `edit`: {inputs: [{width, height}], masked} for an edit.
   */
  quote(model, params, edit = null) {
    const pricing = this.pricing(model);
    const n = Number(params.n);
    if (!pricing || !Number.isInteger(n) || n < 1) return null;
    const sizes = candidateSizes(params.size, edit);
    const each = sizes.map(([width, height]) => perImage(pricing, params.quality, width, height));
    if (each.length === 0 || each.includes(null)) return null;
    const tokens = (edit?.inputs ?? []).reduce((sum, input) => sum + inputTokens(input), 0);
    const inputs = Math.round((tokens * micro(pricing.input_image_tokens_per_million)) / MICRO);
    const low = Math.min(...each) * n + inputs;
    const high = Math.max(...each) * n + inputs;
    const quality = params.quality === "auto" ? pricing.default_quality : params.quality;
    const size = sizes.length === 1 ? sizes[0].join("x") : "a size chosen from the prompt";
    const parts = [`${n} image${n === 1 ? "" : "s"}`, quality, size];
    if (tokens) parts.push(`${edit.inputs.length} input image${edit.inputs.length === 1 ? "" : "s"}`);
    const amount = low === high ? formatCredits(low) : `${formatCredits(low)}–${formatCredits(high)}`;
    return { text: `${amount} credits`, detail: `(${parts.join(", ")})`, atLeast: low / MICRO };
  }
}
