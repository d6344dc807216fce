// Code that makes exactly the current call: curl and Node in Segmind's form
// (POST /v1/{model}), Python with the official openai SDK; for an edit, curl posts
// OpenAI's multipart form, Python calls images.edit and Node Segmind's `{model}-edit`.
// The key comes from PIXMILL_API_KEY, so a copied snippet never carries it.

// Names whose OpenAI answer is links unless told otherwise (as on OpenAI's API).
const LINK_MODELS = new Set(["dall-e-2", "dall-e-3"]);

// The body keys a synchronous call takes, in the order shown.
const KEYS = [
  "prompt", "n", "size", "quality", "background", "output_format",
  "output_compression", "moderation", "seed",
];

/** The synchronous body for `params` (partial_images only matters to jobs). */
export function syncBody(params) {
  const body = {};
  for (const key of KEYS) {
    if (params[key] !== undefined && params[key] !== null) body[key] = params[key];
  }
  return body;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

// A JSON string is a valid Python and JavaScript string literal.
const literal = (value) => JSON.stringify(value);

export function curl(origin, model, params) {
  const body = syncBody(params);
  const url = `${origin}/v1/${encodeURIComponent(model)}`;
  const lines = [
    `curl -s ${shellQuote(url)} \\`,
    `  -H "x-api-key: $PIXMILL_API_KEY" -H 'content-type: application/json' \\`,
  ];
  const ext = params.output_format === "jpeg" ? "jpg" : params.output_format;
  if (body.n === 1) {
    lines.push(`  -H 'accept: image/*' \\`);
    lines.push(`  -d ${shellQuote(JSON.stringify(body, null, 2))} \\`);
    lines.push(`  -o image.${ext}`);
  } else {
    lines.push(`  -d ${shellQuote(JSON.stringify(body, null, 2))} \\`);
    lines.push(`  -o result.json   # data[i].b64_json holds image i`);
  }
  return lines.join("\n");
}

export function python(origin, model, params) {
  const body = syncBody(params);
  const ext = params.output_format === "jpeg" ? "jpg" : params.output_format;
  const args = [`    model=${literal(model)},`];
  for (const key of KEYS) {
    if (key === "seed" || body[key] === undefined) continue;
    args.push(`    ${key}=${literal(body[key])},`);
  }
  // The snippet reads base64, which these names answer only when asked.
  if (LINK_MODELS.has(model)) args.push(`    response_format="b64_json",`);
  if (body.seed !== undefined) args.push(`    extra_body={"seed": ${body.seed}},`);
  return [
    "import base64",
    "import os",
    "",
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url=${literal(`${origin}/v1`)}, api_key=os.environ["PIXMILL_API_KEY"])`,
    "result = client.images.generate(",
    ...args,
    ")",
    "for i, image in enumerate(result.data, start=1):",
    `    with open(f"image-{i}.${ext}", "wb") as file:`,
    "        file.write(base64.b64decode(image.b64_json))",
    "",
  ].join("\n");
}

export function node(origin, model, params) {
  const body = syncBody(params);
  const ext = params.output_format === "jpeg" ? "jpg" : params.output_format;
  const data = JSON.stringify(body, null, 2);
  return [
    `const axios = require("axios");`,
    `const fs = require("fs");`,
    "",
    `const api_key = process.env.PIXMILL_API_KEY;`,
    `const url = ${literal(`${origin}/v1/${encodeURIComponent(model)}`)};`,
    "",
    `const data = ${data};`,
    "",
    "(async function () {",
    "  try {",
    `    const response = await axios.post(url, data, { headers: { "x-api-key": api_key } });`,
    "    response.data.data.forEach((image, i) => {",
    `      fs.writeFileSync(\`image-\${i + 1}.${ext}\`, Buffer.from(image.b64_json, "base64"));`,
    "    });",
    `    console.log("remaining credits:", response.headers["x-remaining-credits"]);`,
    "  } catch (error) {",
    `    console.error("Error:", error.response ? error.response.data : error.message);`,
    "  }",
    "})();",
    "",
  ].join("\n");
}

export const LANGUAGES = { curl, python, node };

// -- edits: `params` also holds `files` (the input images' names) and `mask` (painted).

// The parameters an edit takes beside its images, in the order shown.
const EDIT_KEYS = ["prompt", "n", "size", "quality", "background", "output_format", "output_compression"];

/** The edit's parameters that the SDK has no argument for: sent in extra_body. */
function editExtras(params) {
  const extras = {};
  if (params.seed !== undefined && params.seed !== null) extras.seed = params.seed;
  if (params.moderation && params.moderation !== "auto") extras.moderation = params.moderation;
  return extras;
}

/** A file name inside curl's -F value: double-quoted, its quotes and backslashes escaped. */
const curlFile = (name) => `"${name.replace(/["\\]/g, "\\$&")}"`;

export function curlEdit(origin, model, params) {
  const fields = { model, ...syncBody({ ...params, seed: undefined }), ...editExtras(params) };
  const lines = [
    `curl -s ${shellQuote(`${origin}/v1/images/edits`)} \\`,
    `  -H "Authorization: Bearer $PIXMILL_API_KEY" \\`,
  ];
  for (const [key, value] of Object.entries(fields)) {
    // --form-string: a value starting with @ or < is text, not a file to read.
    lines.push(`  --form-string ${shellQuote(`${key}=${value}`)} \\`);
  }
  for (const name of params.files) lines.push(`  -F ${shellQuote(`image[]=@${curlFile(name)}`)} \\`);
  if (params.mask) lines.push(`  -F 'mask=@mask.png' \\`);
  lines.push(`  -o result.json   # data[i].b64_json holds image i`);
  return lines.join("\n");
}

export function pythonEdit(origin, model, params) {
  const body = syncBody(params);
  const ext = params.output_format === "jpeg" ? "jpg" : params.output_format;
  const images = params.files.map((name) => `open(${literal(name)}, "rb")`).join(", ");
  const args = [`    model=${literal(model)},`, `    image=[${images}],`];
  if (params.mask) args.push(`    mask=open("mask.png", "rb"),`);
  for (const key of EDIT_KEYS) {
    if (body[key] !== undefined) args.push(`    ${key}=${literal(body[key])},`);
  }
  if (LINK_MODELS.has(model)) args.push(`    response_format="b64_json",`);
  const extras = editExtras(params);
  if (Object.keys(extras).length) args.push(`    extra_body=${JSON.stringify(extras)},`);
  return [
    "import base64",
    "import os",
    "",
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url=${literal(`${origin}/v1`)}, api_key=os.environ["PIXMILL_API_KEY"])`,
    "result = client.images.edit(",
    ...args,
    ")",
    "for i, image in enumerate(result.data, start=1):",
    `    with open(f"image-{i}.${ext}", "wb") as file:`,
    "        file.write(base64.b64decode(image.b64_json))",
    "",
  ].join("\n");
}

export function nodeEdit(origin, model, params) {
  const body = syncBody(params);
  const ext = params.output_format === "jpeg" ? "jpg" : params.output_format;
  const data = JSON.stringify(body, null, 2).replace(/\n}$/, ",");
  const read = (name) => `fs.readFileSync(${literal(name)}).toString("base64")`;
  return [
    `const axios = require("axios");`,
    `const fs = require("fs");`,
    "",
    `const api_key = process.env.PIXMILL_API_KEY;`,
    `const url = ${literal(`${origin}/v1/${encodeURIComponent(`${model}-edit`)}`)};`,
    "",
    `const data = ${data}`,
    `  "image_urls": [${params.files.map(read).join(", ")}],`,
    ...(params.mask ? [`  "mask": ${read("mask.png")},`] : []),
    "};",
    "",
    "(async function () {",
    "  try {",
    `    const response = await axios.post(url, data, { headers: { "x-api-key": api_key } });`,
    "    response.data.data.forEach((image, i) => {",
    `      fs.writeFileSync(\`image-\${i + 1}.${ext}\`, Buffer.from(image.b64_json, "base64"));`,
    "    });",
    `    console.log("remaining credits:", response.headers["x-remaining-credits"]);`,
    "  } catch (error) {",
    `    console.error("Error:", error.response ? error.response.data : error.message);`,
    "  }",
    "})();",
    "",
  ].join("\n");
}

export const EDIT_LANGUAGES = { curl: curlEdit, python: pythonEdit, node: nodeEdit };
