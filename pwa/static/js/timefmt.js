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
 * phone's own settings: a driver's phone set to another zone still shows the shop's times. Intl is given
 * the same CLDR fields Babel is given on the server, so both print the same text.
 */
const DAY_WORDS = { "-1": "Yesterday", 0: "Today", 1: "Tomorrow" };
const DAY_MS = 24 * 3600 * 1000;

/** The shop's zone and locale as the page states them (UTC and en-GB on a page that does not). */
export function shopClock(doc = globalThis.document) {
  const meta = doc?.querySelector?.('meta[name="waybill-time"]');
  return { zone: meta?.content || "UTC", locale: meta?.dataset.locale || "en-GB" };
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

export function formatTime(moment, clock = shopClock()) {
  // A plain space before "PM", as the server writes it (CLDR's narrow no-break space is not used everywhere).
  return formatter(clock, { timeStyle: "short" }).format(instant(moment)).replace(/\u202f/g, " ");
}

export function formatDate(moment, clock = shopClock(), now = new Date()) {
  const sameYear = shopDay(moment, clock).year === shopDay(now, clock).year;
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
