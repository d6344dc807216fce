// The playground: key, generate form, job, results, code snippets, history, edit inputs.

import { Client } from "./api.js";
import { Editor } from "./edit.js";
import { clearErrors, explain, showError } from "./errors.js";
import { History } from "./history.js";
import { runJob, showResults } from "./job.js";
import { Prices } from "./price.js";
import { EDIT_LANGUAGES, LANGUAGES } from "./snippets.js";
import { $, el, tablist } from "./ui.js";

const KEY_STORAGE = "pixmill.apiKey";
const MAX_PROMPT = 32000;
const SIZES = new Set(["auto", "1024x1024", "1536x1024", "1024x1536"]);

let client = null;
let job = null;
let editModels = [];
let balance = null; // the key's credits, as the last answer said

function setCredits(text) {
  $("credits-value").textContent = text;
  balance = Number.isFinite(Number(text)) ? Number(text) : null;
  updatePrices();
}

/** Shows an error where it belongs, bringing its panel into view and its control into focus. */
function report(error, options = {}) {
  const slot = showError(error, options);
  const panel = slot.closest('[role="tabpanel"]');
  if (panel?.hidden) selectPanel($(panel.getAttribute("aria-labelledby")));
  const invalid = document.querySelector('[aria-invalid="true"]');
  (invalid ?? slot).focus?.();
}

function useKey(key) {
  client = key ? new Client(key, setCredits) : null;
  setCredits("–");
  if (!client) return;
  refreshCredits();
  loadModels();
  history.load();
}

/** Stores and uses the key in the box. */
function applyKey() {
  const key = $("api-key").value.trim();
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
  useKey(key);
}

/** The key typed or pasted counts without "Use key": applied when it is not the one in use. */
function applyTypedKey() {
  if ($("api-key").value.trim() !== (client?.key ?? "")) applyKey();
}

async function refreshCredits() {
  if (!client) return;
  try {
    await client.credits(); // the x-remaining-credits header updates the display
  } catch (error) {
    report(error);
  }
}

// Models: the select, and whether any can edit (the Edit tab).
async function loadModels() {
  const select = $("model");
  const current = select.value;
  let list;
  try {
    list = await (client ?? new Client("", setCredits)).models();
  } catch (error) {
    if (client) report(error); // without a key, the list waits for one
    return;
  }
  const models = Array.isArray(list.data) ? list.data : [];
  // Aliases apart, each saying which model it is another name for.
  const named = models.filter((model) => !model.alias_for);
  const aliases = models.filter((model) => model.alias_for);
  const option = (model) =>
    el("option", {
      value: model.id,
      text: model.alias_for ? `${model.id} → ${model.alias_for}` : model.id,
    });
  select.replaceChildren(
    el("optgroup", { label: "Models" }, ...named.map(option)),
    ...(aliases.length ? [el("optgroup", { label: "Aliases" }, ...aliases.map(option))] : []),
  );
  if (models.some((model) => model.id === current)) select.value = current;
  editModels = models.filter(canEdit).map((model) => model.id);
  $("edit-unavailable").hidden = editModels.length > 0;
  $("edit-submit").disabled = editModels.length === 0;
  updateSnippet();
}

/** Whether /v1/models says a model can edit: "capabilities": {"edit": true} or ["edit"]. */
function canEdit(model) {
  const capabilities = model.capabilities;
  if (Array.isArray(capabilities)) return capabilities.includes("edit");
  return capabilities?.edit === true;
}

/** The form as API parameters; a value that is not a number is sent as typed,
 * so the server names it. */
function readParams() {
  const integer = (id) => {
    const text = $(id).value.trim();
    return /^-?\d+$/.test(text) ? Number(text) : text;
  };
  const size = $("size").value === "custom" ? $("size-custom").value.trim() : $("size").value;
  const seedText = $("seed").value.trim();
  return {
    model: $("model").value,
    prompt: $("prompt").value,
    n: integer("n"),
    size,
    quality: $("quality").value,
    background: $("background").value,
    output_format: $("output_format").value,
    output_compression: integer("output_compression"),
    moderation: $("moderation").value,
    seed: seedText === "" ? null : integer("seed"),
    partial_images: Number($("partial_images").value),
  };
}

function updateCount() {
  const length = [...$("prompt").value].length;
  const count = $("prompt-count");
  count.textContent = `${length.toLocaleString("en")} / ${MAX_PROMPT.toLocaleString("en")} characters`;
  count.classList.toggle("over", length > MAX_PROMPT);
}

/** The Edit tab's call: its images, mask, prompt, n and quality, the rest from Generate. */
function readEditParams() {
  const { model, ...params } = readParams();
  const n = $("edit-n").value.trim();
  return {
    model,
    params: {
      ...params,
      prompt: $("edit-prompt").value,
      n: /^-?\d+$/.test(n) ? Number(n) : n,
      quality: $("edit-quality").value,
    },
  };
}

/** A Code box: language tabs, the code for the current call, and Copy. */
function snippetBox(prefix, languages, call) {
  let language = "curl";
  const update = () => {
    const { model, params } = call();
    const code = languages[language](location.origin, model || "gpt-image-1", params);
    $(`${prefix}snippet-code`).textContent = code;
  };
  tablist($(`${prefix}snippet-tab-curl`).parentElement, (tab) => {
    language = tab.dataset.lang;
    $(`${prefix}snippet`).setAttribute("aria-labelledby", tab.id);
    update();
  });
  $(`${prefix}snippet-copy`).addEventListener("click", async () => {
    const said = $(`${prefix}snippet-copied`);
    try {
      await navigator.clipboard.writeText($(`${prefix}snippet-code`).textContent);
      said.textContent = "Copied.";
    } catch (error) {
      // No clipboard (a page served over plain http to another machine): select the code.
      window.getSelection().selectAllChildren($(`${prefix}snippet-code`));
      said.textContent = `Could not copy (${explain(error)}): the code is selected.`;
    }
    setTimeout(() => (said.textContent = ""), 3000);
  });
  return update;
}

const updateGenerateSnippet = snippetBox("", LANGUAGES, () => {
  const { model, ...params } = readParams();
  return { model, params };
});
const updateEditSnippet = snippetBox("edit-", EDIT_LANGUAGES, () => {
  const { model, params } = readEditParams();
  const files = editor.inputs.length ? editor.inputs.map((input) => input.name) : ["image.png"];
  return { model, params: { ...params, files, mask: editor.painted } };
});

function updateSnippet() {
  updateGenerateSnippet();
  updateEditSnippet();
  updatePrices();
}

// Prices, from GET /v1/models/{id}, shown before a call is made.
const prices = new Prices(() => client, () => updatePrices());

function showPrice(slot, quote) {
  slot.replaceChildren();
  slot.classList.remove("short");
  if (!quote) return;
  slot.append(el("strong", { text: quote.text }), ` ${quote.detail}`);
  if (balance !== null && quote.atLeast > balance) {
    slot.classList.add("short");
    slot.append(` · more than your ${balance} credits`);
  }
}

function updatePrices() {
  const { model, ...params } = readParams();
  showPrice($("price"), prices.quote(model, params));
  const edit = readEditParams();
  const inputs = editor.inputs.map((input) => ({ width: input.width, height: input.height }));
  showPrice($("edit-price"), prices.quote(edit.model, edit.params, { inputs, masked: editor.painted }));
  $("edit-model").textContent = model ? `model ${model}` : "no model yet";
}

function setBusy(busy) {
  $("generate").disabled = busy;
  $("edit-submit").disabled = busy || editModels.length === 0;
  $("cancel").disabled = !busy;
}

function generate() {
  const { model, ...body } = readParams();
  submit(model, body);
}

/** An edit: the Edit tab's images, mask, prompt, n and quality; the Generate tab's other
 * parameters. */
function edit() {
  if (editModels.length === 0) {
    clearErrors();
    $("edit-error").textContent = "Edits aren't available on this server yet.";
    $("edit-error").hidden = false;
    return;
  }
  const { model, params } = readEditParams();
  // /v1/models marks the models that can edit; their edits go to `{model}-edit`
  // (Segmind's edit route, docs/edits.md), never to the generation route.
  const name = model.endsWith("-edit") ? model : `${model}-edit`;
  if (!model.endsWith("-edit") && !editModels.includes(model)) {
    clearErrors();
    report(
      { status: 400, param: "model", message: `${model} can't edit images. Models that can: ${editModels.join(", ")}.` },
    );
    return;
  }
  const body = { ...params, ...editor.fields() };
  submit(name, body, {
    formSlot: $("edit-error"),
    aliases: { prompt: "edit-prompt", n: "edit-n", quality: "edit-quality" },
  });
}

function submit(model, body, errorOptions = {}) {
  clearErrors();
  applyTypedKey();
  if (!client) {
    $("key-error").textContent = "Enter your API key first.";
    $("key-error").hidden = false;
    $("api-key").focus();
    return;
  }
  if (body.seed === null) delete body.seed;
  setBusy(true);
  job = runJob(client, model, body, {
    onStart: () => {
      selectPanel($("tab-generate"));
      $("job").scrollIntoView({ block: "nearest" });
    },
    onResult: (result) => {
      showResults(result, resultActions);
      $("results").scrollIntoView({ block: "nearest" });
    },
    onError: (error) => report(error, errorOptions),
  });
  job.finished.catch((error) => report(error)).finally(() => {
    setBusy(false);
    job = null;
    refreshCredits();
    history.load();
  });
}

async function cancel() {
  if (!job) return;
  try {
    await job.cancel();
  } catch (error) {
    report(error);
  }
}

function setSize(size) {
  if (SIZES.has(size)) {
    $("size").value = size;
  } else {
    $("size").value = "custom";
    $("size-custom").value = size;
  }
  $("size-custom").hidden = $("size").value !== "custom";
}

const resultActions = {
  /** The resolved parameters of that job, this image's seed, one image: run it again. */
  sameAgain(parameters, image) {
    for (const name of ["quality", "background", "output_format", "moderation"]) {
      if (parameters[name] !== undefined) $(name).value = parameters[name];
    }
    if (parameters.model) $("model").value = parameters.model;
    if (parameters.output_compression !== undefined) {
      $("output_compression").value = parameters.output_compression;
    }
    setSize(image.size ?? parameters.size ?? "auto");
    $("seed").value = image.seed ?? parameters.seed ?? "";
    $("n").value = 1;
    updateSnippet();
    generate();
  },
  useAsInput(url, name) {
    editor.add(name, url);
    selectPanel($("tab-edit"));
  },
  zoom(url, alt) {
    $("zoom-image").src = url;
    $("zoom-image").alt = alt;
    $("zoom").showModal();
  },
};

const editor = new Editor(() => updateSnippet());
const history = new History(() => client, (body) => {
  selectPanel($("tab-generate"));
  showResults(body, resultActions);
});

function showPanel(tab) {
  for (const button of document.querySelectorAll('nav.tabs [role="tab"]')) {
    $(button.getAttribute("aria-controls")).hidden = button !== tab;
  }
  if (tab.id === "tab-history") history.load();
}
const selectPanel = tablist(document.querySelector("nav.tabs"), showPanel);

// Key: Enter or "Use key" applies it again; a key pasted, or typed and left, counts at once.
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearErrors();
  applyKey();
});
$("api-key").addEventListener("change", applyTypedKey);
$("api-key").addEventListener("input", (event) => {
  if (event.inputType === "insertFromPaste" || event.inputType === "insertFromDrop") applyTypedKey();
});
$("key-show").addEventListener("click", () => {
  const input = $("api-key");
  const show = input.type === "password";
  input.type = show ? "text" : "password";
  $("key-show").setAttribute("aria-pressed", String(show));
  $("key-show").textContent = show ? "Hide" : "Show";
});

// Generate form
$("generate-form").addEventListener("submit", (event) => {
  event.preventDefault();
  generate();
});
$("generate-form").addEventListener("input", () => {
  updateCount();
  updateSnippet();
});
$("generate-form").addEventListener("change", updateSnippet);
// Ctrl+Enter (Cmd+Enter) in a prompt submits its form.
for (const [prompt, form] of [["prompt", "generate-form"], ["edit-prompt", "edit-form"]]) {
  $(prompt).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $(form).requestSubmit();
    }
  });
}
$("size").addEventListener("change", () => {
  $("size-custom").hidden = $("size").value !== "custom";
  if (!$("size-custom").hidden) $("size-custom").focus();
});
$("seed-clear").addEventListener("click", () => {
  $("seed").value = "";
  updateSnippet();
});
$("cancel").addEventListener("click", cancel);
$("edit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  edit();
});
// The edit's controls live in both columns of its panel (tied to the form by `form=`).
$("panel-edit").addEventListener("input", updateSnippet);
$("panel-edit").addEventListener("change", updateSnippet);

// The full-size view: closed by Close, Escape (the dialog's own), or a click anywhere.
$("zoom").addEventListener("click", () => $("zoom").close());
$("zoom").addEventListener("close", () => $("zoom-image").removeAttribute("src"));

// Start
const stored = localStorage.getItem(KEY_STORAGE) ?? "";
$("api-key").value = stored;
updateCount();
updateSnippet();
if (stored) useKey(stored);
else loadModels();
