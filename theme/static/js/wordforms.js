// Ukrainian word forms in search: the browser half of sitebuild/wordforms.py.
//
// The build adds to each Ukrainian page Pagefind indexes a block of keys (the stems of every
// form of its words, each ending in MARK); here a query word is stemmed by the same rule and
// searched as `stem + MARK`, so «сну» finds the pages that say «сон». The rule must stay the
// same as the Python one: tests/test_wordforms.py runs both over a word list.

export const MARK = "ъ";
export const BLOCK = "␞";
export const GROUP = "␟";
export const MIN_STEM = 2;
// Longest first (as sorted in Python: by length, then by code point).
export const ENDINGS = [
  // nouns
  "ами", "ями", "ові", "еві", "єві", "ам", "ям", "ах", "ях", "ів", "їв", "ей", "ом", "ем",
  "єм", "ою", "ею", "єю", "ий", "ій", "а", "я", "у", "ю", "і", "и", "о", "е", "є", "ь", "ї",
  "й",
  // adjectives and participles
  "ого", "ому", "ими", "іми", "ої", "их", "іх", "им", "ім", "ая", "ее",
  // verbs
  "ати", "яти", "ити", "іти", "ути", "ють", "ують", "ать", "ять", "уть", "ить", "іть",
  "ємо", "емо", "имо", "ете", "єте", "ите", "еш", "єш", "иш", "ав", "ив", "ала",
  "яла", "ила", "іла", "али", "яли", "или", "іли", "ало", "яло", "ило", "іло", "учи", "ючи",
  "вши",
].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
const REFLEXIVE = ["ся", "сь"];
const APOSTROPHES = /['’ʼ`‘]/g;
const FOLD = { "ґ": "г", "й": "и", "ї": "і", "ё": "е", "ъ": "" };
const WORD = /\p{L}+(?:['’ʼ`‘]\p{L}+)*/gu;

export function fold(word) {
  return word.toLowerCase().replace(APOSTROPHES, "").replace(/[ґйїёъ]/g, (c) => FOLD[c]);
}

export function stem(word) {
  word = word.toLowerCase().replace(APOSTROPHES, "").replace(/ґ/g, "г");
  for (const suffix of REFLEXIVE) {
    if (word.endsWith(suffix) && word.length - suffix.length > MIN_STEM) {
      word = word.slice(0, -suffix.length);
      break;
    }
  }
  for (const ending of ENDINGS) {
    if (word.endsWith(ending) && word.length - ending.length >= MIN_STEM) {
      word = word.slice(0, -ending.length);
      break;
    }
  }
  return fold(word);
}

export function words(text) {
  return text.match(WORD) || [];
}

export function queryKeys(query) {
  return query.split(/\s+/).filter(Boolean).flatMap((token) => {
    const found = words(token);
    return found.length ? found.map((word) => stem(word) + MARK) : [token];
  });
}

// Pagefind's results for a query, and how to mark the words they matched.
// `wordForms`: this language's index has keys (data-word-forms on the search page). A query
// whose keys find nothing (a word still being typed) is searched as typed: Pagefind then
// matches its words as prefixes, as it always did.
export async function findPages(pagefind, query, options = {}, { wordForms = false, run } = {}) {
  run = run || ((term, opts) => pagefind.search(term, opts));
  const keys = wordForms && query ? queryKeys(query) : [];
  if (keys.length) {
    const search = await run(keys.join(" "), options);
    if (search === null) return null; // superseded by a newer keystroke
    if (search.results.length) return { search, highlight: { keys } };
  }
  const search = await run(query || null, options);
  if (search === null) return null;
  return { search, highlight: wordForms ? { prefixes: words(query || "").map(fold) } : null };
}

// The excerpt of one result as [text, marked] pairs: the words around the best cluster of
// matches in the page's own text (never the block of keys). `highlight` from findPages.
export function excerptParts(data, highlight, length = 24) {
  const [text, keyBlock] = data.content.split(` ${BLOCK} `);
  const tokens = text.split(/\s+/).filter(Boolean);
  const marks = tokens.map(matcher(highlight, keyBlock || ""));
  let best = 0;
  let bestCount = -1;
  let count = 0;
  for (let i = 0; i < tokens.length; i++) {
    count += marks[i] ? 1 : 0;
    if (i >= length) count -= marks[i - length] ? 1 : 0;
    const start = Math.max(0, i - length + 1);
    if (count > bestCount) {
      bestCount = count;
      best = start;
    }
  }
  const parts = [];
  for (let i = best; i < Math.min(tokens.length, best + length); i++) {
    parts.push([tokens[i], marks[i]]);
  }
  return parts;
}

function matcher(highlight, keyBlock) {
  if (highlight.keys) {
    // Every key of the groups (words of the page) that a query key found: «сну» marks «сон».
    // Pagefind, finding no key, may match a shorter one: «депре» (key «депръ») finds
    // «депресъ». Then the groups whose keys start with a query's stem are the ones.
    const wanted = new Set(highlight.keys);
    const stems = highlight.keys.map((key) => key.slice(0, -MARK.length));
    const groups = keyBlock.split(` ${GROUP} `).map((group) => group.split(" ").filter(Boolean));
    let hits = groups.filter((keys) => keys.some((key) => wanted.has(key)));
    if (!hits.length) {
      hits = groups.filter((keys) => keys.some((key) => stems.some((s) => key.startsWith(s))));
    }
    const matched = new Set(hits.flat());
    return (token) => words(token).some((word) => matched.has(stem(word) + MARK));
  }
  const prefixes = highlight.prefixes.filter(Boolean);
  return (token) => words(token).some((word) => prefixes.some((p) => fold(word).startsWith(p)));
}
