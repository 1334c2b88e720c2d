// core/translit.py in the browser (KMU 2010), for the slug of a new entry: the editor cannot
// call Python. tests/test_cms_browser.py compares the two over a table of titles.
const WORD_START = { "є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya" };
const LETTERS = {
  "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
  "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
  "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
  "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
  "я": "ia",
};
const APOSTROPHES = "'’ʼ`‘";
const isAlpha = (ch) => /\p{L}/u.test(ch);

export function transliterate(input) {
  const text = input.normalize("NFC");
  const letters = [...text].filter(isAlpha);
  const allCaps = letters.length > 1 && letters.every((c) => c === c.toUpperCase() &&
    c !== c.toLowerCase());
  let prev = "";
  let out = "";
  for (const ch of text) {
    const low = ch.toLowerCase();
    if (APOSTROPHES.includes(ch)) continue;
    if (low in LETTERS) {
      let latin;
      if (low === "г" && prev === "з") latin = "gh";
      else if (!prev && low in WORD_START) latin = WORD_START[low];
      else latin = LETTERS[low];
      if (ch !== low && latin) {
        latin = allCaps ? latin.toUpperCase() : latin[0].toUpperCase() + latin.slice(1);
      }
      out += latin;
      prev = low;
    } else {
      out += ch;
      prev = isAlpha(ch) ? low : "";
    }
  }
  return out;
}

export function slugify(title, maxLength = 80) {
  const ascii = transliterate(title).normalize("NFKD").replace(/[^\x00-\x7f]/g, "");
  let slug = ascii.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug.length > maxLength) {
    const cut = slug.slice(0, maxLength);
    slug = cut.slice(0, cut.lastIndexOf("-")) || cut;
  }
  return slug;
}
