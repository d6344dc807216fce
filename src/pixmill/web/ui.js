// Small DOM helpers. Every value from the API goes in as text (textContent), never as HTML.

export const $ = (id) => document.getElementById(id);

/** An element with text content and attributes; children are nodes or strings. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

const MEDIA_TYPES = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp", svg: "image/svg+xml" };

/** A data: URL for a base64 image of `format`; only known formats are accepted. */
export function dataUrl(b64, format) {
  const type = MEDIA_TYPES[format] ?? "application/octet-stream";
  return `data:${type};base64,${b64}`;
}

export const extension = (format) => (format === "jpeg" ? "jpg" : format);

/** Arrow keys, Home and End move between the tabs of a tablist (WAI-ARIA tabs pattern). */
export function tablist(list, onSelect) {
  const tabs = [...list.querySelectorAll('[role="tab"]')];
  const select = (tab, focus = true) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
    }
    if (focus) tab.focus();
    onSelect(tab);
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(tab);
      const next = {
        ArrowRight: tabs[(index + 1) % tabs.length],
        ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
        Home: tabs[0],
        End: tabs[tabs.length - 1],
      }[event.key];
      if (next) {
        event.preventDefault();
        select(next);
      }
    });
  }
  return (tab) => select(tab, false);
}

export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}
