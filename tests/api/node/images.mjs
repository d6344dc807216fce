// The official openai Node SDK against pixmill: nulls, an alias, DALL·E values, links, models.
// Usage: node images.mjs BASE_URL API_KEY  (prints one JSON object)
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const linked = await client.images.generate({ prompt: "x", model: "dall-e-3" });
const generated = await client.images.generate({
  prompt: "a kite over a hill",
  model: "gpt-image-2",
  quality: "hd",
  style: "natural",
  size: null,
  n: null,
  background: null,
  output_format: null,
  output_compression: null,
  moderation: null,
});
const models = [];
for await (const model of client.models.list()) models.push(model.id);
const one = await client.models.retrieve("dall-e-3");
let refused = null;
try {
  await client.images.generate({ prompt: "x", response_format: "url", stream: true });
} catch (error) {
  refused = { status: error.status, param: error.param, code: error.code };
}
console.log(JSON.stringify({ generated, models, one, linked, refused }));
