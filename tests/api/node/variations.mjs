// The official openai Node SDK's images.createVariation against pixmill.
// Usage: node variations.mjs BASE_URL API_KEY IMAGE_PATH  (prints one JSON object)
import fs from "node:fs";
import OpenAI from "openai";

const [baseURL, apiKey, imagePath] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const varied = await client.images.createVariation({
  image: fs.createReadStream(imagePath),
  n: 2,
  size: "512x512",
  response_format: "b64_json",
});
const linked = await client.images.createVariation({
  image: fs.createReadStream(imagePath),
  model: "dall-e-2",
  size: "256x256",
});
console.log(JSON.stringify({ varied, linked }));
