// The site's additions to Decap CMS: the `pelican-md` format (reads Pelican's `Key: value`
// header and YAML front matter, writes YAML front matter), the preview with the site's
// stylesheet, and buttons for the clinic's comment and for citing a reference.
// The rules mirror sitebuild/headers.py and core/frontmatter.py; tests/test_cms_browser.py
// checks that what this writes reads back the same in the build.
import * as YAML from "./vendor/yaml/index.js";
import { slugify } from "./translit.js";

const CMS = window.CMS;
const h = window.h;
// What the build knows and Decap's config does not say (site.json, written with config.yml).
const site = await (await fetch("site.json")).json();

// ---- Format -----------------------------------------------------------------------------
const FENCE = /^-{3}\s*$/;
const END = /^(?:-{3}|\.{3})\s*$/;
const FIELD = /^ {0,3}([A-Za-z0-9_-]+):\s*(.*)$/;
const CONTINUATION = /^ {4,}(.*)$/;
const LIST_FIELDS = new Set(site.listFields);
const CITATION_ESCAPED = /\\\[(@[A-Za-z0-9_:.-]+(?:;\s*@[A-Za-z0-9_:.-]+)*)\\?\]/g;

function splitList(value) {
  return String(value).split(",").map((item) => item.trim()).filter(Boolean);
}

function readHeader(lines) {
  // Pelican's `Key: value` header, as sitebuild/headers.py reads it (first of a name wins).
  const fields = {};
  let index = 0;
  let last = null;
  for (; index < lines.length; index += 1) {
    const line = lines[index];
    if (!line.trim() || FENCE.test(line)) {
      if (line.trim()) index += 1;
      break;
    }
    const match = FIELD.exec(line);
    const continued = CONTINUATION.exec(line);
    if (match) {
      last = match[1].toLowerCase();
      if (last in fields) last = null; // a repeated field: the build reports it
      else fields[last] = match[2].trim();
    } else if (continued && last !== null) {
      fields[last] = `${fields[last]}\n${continued[1].trim()}`.trim();
    } else {
      break;
    }
  }
  return { fields, end: index };
}

function readFrontMatter(lines) {
  const close = lines.findIndex((line, index) => index > 0 && END.test(line));
  if (close < 0) return { fields: {}, end: 0 }; // shown as text: the build names the problem
  // failsafe: every value stays text, as the build reads it (no YAML dates or numbers)
  const parsed = YAML.parse(lines.slice(1, close).join("\n"), { schema: "failsafe" }) || {};
  const fields = {};
  for (const [name, value] of Object.entries(parsed)) fields[name.toLowerCase()] = value;
  return { fields, end: close + 1 };
}

function fromFile(content) {
  const lines = content.split(/\r?\n/);
  const { fields, end } = FENCE.test(lines[0] || "") ? readFrontMatter(lines) : readHeader(lines);
  let start = end;
  while (start < lines.length && !lines[start].trim()) start += 1;
  const data = {};
  for (const [name, value] of Object.entries(fields)) {
    if (LIST_FIELDS.has(name)) data[name] = Array.isArray(value) ? value : splitList(value);
    else data[name] = Array.isArray(value) ? value.join(", ") : value; // as the build joins
  }
  data.body = lines.slice(start).join("\n");
  return data;
}

function isEmpty(value) {
  return value === undefined || value === null || value === "" ||
    (Array.isArray(value) && value.length === 0);
}

function plain(value) {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (Array.isArray(value)) return value.map(plain).filter((item) => !isEmpty(item));
  return value;
}

function toFile(data, sortedKeys = []) {
  const { body = "", ...meta } = data;
  const ordered = {};
  for (const name of [...sortedKeys, ...Object.keys(meta)]) {
    if (name === "body" || name in ordered) continue;
    const value = plain(meta[name]);
    if (!isEmpty(value)) ordered[name] = value; // empty is the same as absent to the build
  }
  const header = YAML.stringify(ordered, { lineWidth: 0 });
  // The rich-text editor escapes brackets it did not write itself: `\[@key]` is a citation
  // typed into the text, and means `[@key]` (medical/citations.py).
  const text = String(body).replace(CITATION_ESCAPED, "[$1]");
  return `---\n${header}---\n\n${text.replace(/^\n+/, "").replace(/\s*$/, "\n")}`;
}

CMS.registerCustomFormat("pelican-md", "md", { fromFile, toFile });

// ---- Editor buttons ---------------------------------------------------------------------
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const indent = (text) => String(text).trim().split("\n")
  .map((line) => (line.trim() ? `    ${line}` : "")).join("\n");

CMS.registerEditorComponent({
  id: "clinic-comment",
  label: site.ui.clinicComment,
  fields: [{ name: "text", label: site.ui.clinicComment, widget: "text" }],
  pattern: /^!!! clinic-comment[^\n]*\n\n((?: {4}.*(?:\n|$)|\n)+)/,
  fromBlock: (match) => ({
    text: match[1].split("\n").map((line) => line.replace(/^ {4}/, "")).join("\n").trim(),
  }),
  toBlock: ({ text }) => `!!! clinic-comment\n\n${indent(text || "")}`,
  toPreview: ({ text }) => `<aside class="clinic-comment"><p class="clinic-comment__title">${
    escapeHtml(site.calloutTitle[site.defaultLang])}</p><p>${escapeHtml(text || "")}</p></aside>`,
});

CMS.registerEditorComponent({
  id: "cite",
  label: site.ui.cite,
  fields: [{ name: "key", label: site.ui.reference, widget: "select", options: site.references }],
  pattern: /^\[@([A-Za-z0-9_:.-]+)\]$/,
  fromBlock: (match) => ({ key: match[1] }),
  toBlock: ({ key }) => `[@${key || ""}]`,
  toPreview: ({ key }) => `<sup class="citation"><a href="#ref-${escapeHtml(key)}">[${
    escapeHtml(key)}]</a></sup>`,
});

// ---- Preview ----------------------------------------------------------------------------
CMS.registerPreviewStyle(site.previewStyle);

// `make cms` only: what the content checks said at the last build, above the preview.
let findings = {};
let findingsText = "{}";
const findingsListeners = new Set();
async function loadFindings() {
  try {
    const response = await fetch(site.findings, { cache: "no-store" });
    const text = response.ok ? await response.text() : findingsText;
    if (text !== findingsText) {
      findingsText = text;
      findings = JSON.parse(text);
      findingsListeners.forEach((listener) => listener());
    }
  } catch (error) {
    // the devserver is swapping in a new build; the next poll gets it
  }
}
if (site.findings) {
  await loadFindings();
  setInterval(loadFindings, 2000);
}

const Findings = window.createClass({
  componentDidMount() {
    this.refresh = () => this.forceUpdate();
    findingsListeners.add(this.refresh);
  },
  componentWillUnmount() {
    findingsListeners.delete(this.refresh);
  },
  render() {
    const { path } = this.props;
    if (!path) return null;
    const stem = path.replace(/(\.[a-z]{2})?\.md$/, ""); // Decap names i18n entries without it
    const found = Object.entries(findings).filter(([file]) => file.startsWith(`${stem}.`));
    if (!found.length) return null;
    return h("aside", { className: "cms-findings", role: "status",
      style: { border: "2px solid #b3261e", padding: "0.5rem 1rem", margin: "0 0 1rem" } },
    h("p", {}, h("strong", {}, site.ui.findings)),
    h("ul", {}, ...found.flatMap(([file, lines]) => lines.map((line) =>
      h("li", { key: `${file}:${line}` }, `${file.split("/").pop()}:${line}`)))));
  },
});

function Preview({ entry, widgetFor }) {
  const data = entry.get("data");
  const text = (name) => (data && data.get(name)) || "";
  const meta = [text("date"), text("status") !== "published" ? text("status") : ""]
    .filter(Boolean).join(" · ");
  return h("main", { className: "article" },
    h(Findings, { path: entry.get("path") }),
    h("header", { className: "article-header" },
      text("category") ? h("p", { className: "eyebrow" }, site.categories[text("category")] ||
        text("category")) : null,
      h("h1", {}, text("title")),
      meta ? h("p", { className: "meta" }, meta) : null,
      text("summary") ? h("p", { className: "lead" }, text("summary")) : null),
    h("div", { className: "prose" }, widgetFor("body")));
}

for (const name of site.previewCollections) CMS.registerPreviewTemplate(name, Preview);

// ---- Slug of a new entry ------------------------------------------------------------------
// Decap names the files after the `slug` field ({{fields.slug}}); left empty, it is made from
// the Ukrainian title here, before Decap computes the path. Existing entries keep their files.
CMS.registerEventListener({
  name: "preSave",
  handler: ({ entry }) => {
    const data = entry.get("data");
    if (!entry.get("newRecord") || !data.has("title") || data.get("slug")) return data;
    return data.set("slug", slugify(data.get("title") || ""));
  },
});

CMS.init();
