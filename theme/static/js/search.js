// Site search: Pagefind's modular JavaScript API, loaded from this site's own origin.
//
// No inline scripts or styles (the site's CSP forbids them); Pagefind compiles its WebAssembly,
// which the CSP allows with 'wasm-unsafe-eval'. Texts come from data-msg-* attributes, which
// the template fills through gettext. A `?q=...&category=...` address opens with its results.
// A language with word forms (data-word-forms: Ukrainian) is searched through wordforms.js,
// so any case or number of a word finds the others; excerpts mark the page's own words.

import { excerptParts, findPages } from "./wordforms.js";

const RESULTS_SHOWN = 20;

const root = document.querySelector("[data-search]");
if (root) {
  start(root);
}

async function start(root) {
  const input = root.querySelector("input[name=q]");
  const select = root.querySelector("select[name=category]");
  const status = root.querySelector("[role=status]");
  const list = root.querySelector(".site-search-results");
  root.hidden = false;
  document.querySelectorAll("[data-search-nojs]").forEach((node) => { node.hidden = true; });

  // The address's query first, before anything is awaited, so nothing typed meanwhile is
  // overwritten; what is typed while Pagefind loads is searched once it is ready.
  const params = new URLSearchParams(location.search);
  if (params.get("q") && !input.value) {
    input.value = params.get("q");
  }
  if ([...select.options].some((option) => option.value === params.get("category"))) {
    select.value = params.get("category");
  }

  const ready = load(root).catch((error) => {
    status.textContent = root.dataset.msgError;
    throw error;
  });

  let searches = 0;
  const update = async () => {
    const query = input.value.trim();
    const category = select.value;
    remember(query, category);
    if (!query && !category) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    status.textContent = root.dataset.msgSearching;
    const pagefind = await ready;
    const options = category ? { filters: { category } } : {};
    const asked = ++searches;
    const found = await findPages(pagefind, query, options, {
      wordForms: "wordForms" in root.dataset,
      run: (term, opts) => pagefind.debouncedSearch(term, opts, 150),
    });
    if (found === null || asked !== searches) {
      return; // a newer keystroke superseded this search
    }
    const { search, highlight } = found;
    const shown = await Promise.all(search.results.slice(0, RESULTS_SHOWN).map((r) => r.data()));
    list.replaceChildren(...shown.map((data) => resultItem(data, highlight)));
    status.textContent = search.results.length
      ? root.dataset.msgCount.replace("{count}", String(search.results.length))
      : root.dataset.msgNone;
  };

  input.addEventListener("input", update);
  select.addEventListener("change", update);
  root.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    update();
  });
  if (input.value || select.value) {
    update();
  }
}

async function load(root) {
  // Same origin as the page, whatever host serves the site: keep only the path.
  const bundle = new URL(root.dataset.bundle, document.baseURI).pathname;
  const pagefind = await import(bundle + "pagefind.js");
  await pagefind.options({
    baseUrl: new URL(root.dataset.baseUrl, document.baseURI).pathname,
    excerptLength: 24,
  });
  // A large language is indexed in several bundles (data-merge): search them as one.
  for (const other of (root.dataset.merge || "").split(" ").filter(Boolean)) {
    await pagefind.mergeIndex(new URL(other, document.baseURI).pathname);
  }
  await pagefind.init();
  return pagefind;
}

function resultItem(data, highlight) {
  const item = document.createElement("li");
  item.className = "site-search-result";
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.append(link);
  const excerpt = document.createElement("p");
  excerpt.className = "site-search-excerpt";
  excerpt.append(...(highlight ? keyedExcerptNodes(data, highlight) : excerptNodes(data.excerpt)));
  const category = data.filters && data.filters.category;
  item.append(heading);
  if (category && category.length) {
    const label = document.createElement("p");
    label.className = "site-search-category";
    label.textContent = category.join(", ");
    item.append(label);
  }
  item.append(excerpt);
  return item;
}

// Pagefind's excerpt is escaped text with <mark> around the matches: keep exactly that and
// nothing else, so no markup from the index can reach the page.
function excerptNodes(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html").body;
  return [...parsed.childNodes].map((node) => {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      return mark;
    }
    return document.createTextNode(node.textContent);
  });
}

// An excerpt of a page indexed with word-form keys: from its own text, every form marked.
function keyedExcerptNodes(data, highlight) {
  const nodes = [];
  for (const [word, marked] of excerptParts(data, highlight)) {
    if (nodes.length) nodes.push(document.createTextNode(" "));
    if (marked) {
      const mark = document.createElement("mark");
      mark.textContent = word;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(word));
    }
  }
  return nodes;
}

function remember(query, category) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  if (category) params.set("category", category);
  const search = params.toString();
  history.replaceState(null, "", search ? "?" + search : location.pathname);
}
