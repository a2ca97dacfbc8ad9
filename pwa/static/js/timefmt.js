/* How the phone shows a moment: on the shop's clock, in the shop's locale, in the same words as the server.
 *
 * The rules are backend/domain/timefmt.py's, written again for the browser; keep the two in step:
 * - formatTime:     the locale's short time                        "17:04"
 * - formatDate:     weekday, day, month (+ year if not this year)  "Tue 1 Dec", "Tue, 1 Dec 2025"
 * - formatDateTime: date + ", " + time                             "Tue 1 Dec, 09:15"
 * - formatWhen:     "Today"/"Yesterday"/"Tomorrow" + " " + time,   "Today 17:04"
 *                   otherwise formatDateTime
 * The zone and locale come from the page (<meta name="waybill-time" content="Europe/London"
 * data-locale="en-GB">, written by base.html from WAYBILL_TIMEZONE and WAYBILL_LOCALE), never from the
 * phone's own settings: a driver's phone set to another zone still shows the shop's times.
 *
 * The browser's CLDR is not Babel's: for some locales their patterns and names differ (en-AU "Wed, 14 July"
 * against Babel's "Wed 14 Jul", en-IN "1:35 pm" against "1:35 PM"). So the page also carries Babel's
 * patterns and names (<meta name="waybill-time-words">, ShopClock.browser_words): Intl gives only the
 * numbers on the shop's clock, and the pattern is written out here, the same text as the server by
 * construction. A clock without words (a page that does not state them) falls back to Intl's own formats.
 */
const DAY_WORDS = { "-1": "Yesterday", 0: "Today", 1: "Tomorrow" };
const DAY_MS = 24 * 3600 * 1000;

/** The shop's zone, locale and its words as the page states them (UTC and en-GB on a page that does not). */
export function shopClock(doc = globalThis.document) {
  const meta = doc?.querySelector?.('meta[name="waybill-time"]');
  const clock = { zone: meta?.content || "UTC", locale: meta?.dataset.locale || "en-GB" };
  const words = doc?.querySelector?.('meta[name="waybill-time-words"]');
  try {
    if (words?.content) clock.words = JSON.parse(words.content);
  } catch (error) { /* unreadable: Intl's own formats */ }
  return clock;
}

const formatters = new Map();
function formatter(clock, options) {
  const key = `${clock.zone}|${clock.locale}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(clock.locale, { timeZone: clock.zone, ...options }));
  }
  return formatters.get(key);
}

/** A Date from what the log and the API hold: an ISO 8601 string, a Date or milliseconds. */
function instant(moment) {
  return moment instanceof Date ? moment : new Date(moment);
}

/** The shop's calendar day of `moment`, as a whole number of days since 1970-01-01 (and its year). */
function shopDay(moment, clock) {
  const parts = Object.fromEntries(formatter(clock, { year: "numeric", month: "numeric", day: "numeric" })
    .formatToParts(instant(moment)).filter((p) => p.type !== "literal").map((p) => [p.type, Number(p.value)]));
  return { index: Date.UTC(parts.year, parts.month - 1, parts.day) / DAY_MS, year: parts.year };
}

/** The shop's wall-clock fields of `moment` in plain digits (weekday 0 is Monday, as CLDR lists names). */
function wallClock(moment, clock) {
  const parts = Object.fromEntries(formatter({ zone: clock.zone, locale: "en-US" }, {
    year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23",
  }).formatToParts(instant(moment)).filter((p) => p.type !== "literal").map((p) => [p.type, Number(p.value)]));
  const weekday = (new Date(Date.UTC(parts.year, parts.month - 1, parts.day)).getUTCDay() + 6) % 7;
  return { ...parts, hour: parts.hour % 24, weekday };
}

const pad = (n, width) => String(n).padStart(width, "0");

/** One CLDR pattern field ("MMM", "h", "a") of `f` in the shop's words; null if this module does not know it. */
function field(letter, width, f, words) {
  switch (letter) {
    case "y": return width === 2 ? pad(f.year % 100, 2) : pad(f.year, width);
    case "M": case "L":
      if (width >= 4) return words.months_wide[f.month - 1];
      return width === 3 ? words.months[f.month - 1] : pad(f.month, width);
    case "d": return pad(f.day, width);
    case "E": return width >= 4 ? words.weekdays_wide[f.weekday] : words.weekdays[f.weekday];
    case "h": return pad(((f.hour + 11) % 12) + 1, width);
    case "H": return pad(f.hour, width);
    case "K": return pad(f.hour % 12, width);
    case "k": return pad(f.hour || 24, width);
    case "m": return pad(f.minute, width);
    case "a": return words.periods[f.hour < 12 ? 0 : 1];
    default: return null;
  }
}

const PATTERN_PIECE = /'(?:[^']|'')*'|([A-Za-z])\1*/g;

/** `pattern` (CLDR: "E d MMM y", "h:mm a", quoted text in '') written out for `moment`; null if unknown. */
function written(pattern, moment, clock) {
  const f = wallClock(moment, clock);
  let text = "";
  let last = 0;
  for (const match of pattern.matchAll(PATTERN_PIECE)) {
    text += pattern.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0].startsWith("'")) {
      text += match[0] === "''" ? "'" : match[0].slice(1, -1).replace(/''/g, "'");
      continue;
    }
    const value = field(match[1], match[0].length, f, clock.words);
    if (value == null) return null;
    text += value;
  }
  return text + pattern.slice(last);
}

export function formatTime(moment, clock = shopClock()) {
  const text = (clock.words && written(clock.words.time, moment, clock))
    || formatter(clock, { timeStyle: "short" }).format(instant(moment));
  // A plain space before "PM", as the server writes it (CLDR's narrow no-break space is not used everywhere).
  return text.replace(/\u202f/g, " ");
}

export function formatDate(moment, clock = shopClock(), now = new Date()) {
  const sameYear = shopDay(moment, clock).year === shopDay(now, clock).year;
  const text = clock.words && written(sameYear ? clock.words.date : clock.words.date_year, moment, clock);
  if (text) return text;
  const fields = { weekday: "short", day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }) };
  return formatter(clock, fields).format(instant(moment));
}

export function formatDateTime(moment, clock = shopClock(), now = new Date()) {
  return `${formatDate(moment, clock, now)}, ${formatTime(moment, clock)}`;
}

export function formatWhen(moment, clock = shopClock(), now = new Date()) {
  const days = shopDay(moment, clock).index - shopDay(now, clock).index;
  return days in DAY_WORDS ? `${DAY_WORDS[days]} ${formatTime(moment, clock)}` : formatDateTime(moment, clock, now);
}

/** A <time> element for `moment`: its datetime attribute the UTC instant, its text `format`'s. */
export function timeElement(moment, format = formatWhen, doc = globalThis.document) {
  const element = doc.createElement("time");
  element.dateTime = instant(moment).toISOString();
  element.textContent = format(moment);
  return element;
}
