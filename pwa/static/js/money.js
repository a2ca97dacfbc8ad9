/* Money as the phone writes it, by the server's rule (backend/domain/money.py, format_money): integer minor
 * units and an ISO 4217 code in, "£1,234.50" out (a symbol for GBP, EUR and USD, else "1,234.50 AUD"), the
 * same text whatever the shop's locale, so a number the phone wrote reads like the page around it. */
const SYMBOLS = { GBP: "£", EUR: "€", USD: "$" };

/** 123450, "GBP" -> "£1,234.50". */
export function formatMoney(minor, currency) {
  const sign = minor < 0 ? "-" : "";
  const units = Math.floor(Math.abs(minor) / 100);
  const value = `${String(units).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${String(Math.abs(minor) % 100).padStart(2, "0")}`;
  const symbol = SYMBOLS[currency];
  return symbol ? `${sign}${symbol}${value}` : `${sign}${value} ${currency}`;
}
