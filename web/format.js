// The console's one way of showing numbers and money. Money is stored in fen
// (hundredths of a yuan) and always shown in yuan with two decimals.
import { currentLang } from "./i18n.js";

// `lang` when a page passes it, else the language chosen now.
const locale = (lang) => ((lang ?? currentLang()) === "en" ? "en-GB" : "zh-CN");

// 12345 -> "12,345".
export function count(n, lang) {
  return Number(n || 0).toLocaleString(locale(lang));
}

// 123456 fen -> "1,234.56".
export function yuan(fen, lang) {
  return (Number(fen || 0) / 100).toLocaleString(locale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

// A large figure for a dashboard tile: 4,830,000 -> "483.00 万" (zh) or
// "4.83 M" (en); below 10,000 the figure itself. `digits` decimals.
export function compact(n, lang, digits = 2) {
  const v = Number(n || 0);
  const steps =
    lang === "en"
      ? [
          [1e9, "B"],
          [1e6, "M"],
          [1e4, "k", 1e3],
        ]
      : [
          [1e8, "亿"],
          [1e4, "万"],
        ];
  for (const [at, unit, div] of steps) {
    if (Math.abs(v) >= at) {
      const scaled = v / (div || at);
      return `${scaled.toLocaleString(locale(lang), { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${unit}`;
    }
  }
  return v.toLocaleString(locale(lang));
}

// Fen as compact yuan: 2,100,000,000 fen -> "2,100.00 万元" / "21.00 M yuan".
export function compactYuan(fen, lang) {
  const y = Number(fen || 0) / 100;
  const s = Math.abs(y) >= 1e4 ? compact(y, lang) : yuan(fen, lang);
  if (lang === "en") return `${s} yuan`;
  return /[万亿]$/.test(s) ? `${s}元` : `${s} 元`;
}

// An RFC 3339 time's date in the browser's local time; "-" for none.
export function localDate(iso, lang) {
  if (!iso) return "-";
  return new Date(iso).toLocaleDateString(locale(lang));
}

// An RFC 3339 time in the browser's local time, to the minute; "-" for none.
export function localMinute(iso, lang) {
  if (!iso) return "-";
  return new Date(iso).toLocaleString(locale(lang), {
    hour12: false,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

// An RFC 3339 time in the browser's local time, to the second.
export function localTime(iso, lang) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(locale(lang), { hour12: false });
}
