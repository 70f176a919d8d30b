// The console's one way of showing numbers, money and times. Money is stored
// in fen (hundredths of a yuan) and always shown in yuan with two decimals;
// times are shown in the browser's local time. Every function takes the
// language (`lang`) when a page passes it, else uses the language chosen now.
import { currentLang } from "./i18n.js";

const english = (lang) => (lang ?? currentLang()) === "en";
const locale = (lang) => (english(lang) ? "en-GB" : "zh-CN");

// 12345 -> "12,345".
export function count(n, lang) {
  return Number(n || 0).toLocaleString(locale(lang));
}

// A measured figure to `digits` decimals (at least `fewest`): 13930.6 ->
// "13,931"; (2.456, lang, 2) -> "2.46"; (2.5, lang, 1, 0) -> "2.5", (3, lang, 1, 0) -> "3".
export function decimal(n, lang, digits = 0, fewest = digits) {
  return Number(n || 0).toLocaleString(locale(lang), {
    minimumFractionDigits: fewest,
    maximumFractionDigits: digits,
  });
}

// A ratio as a percentage, decimals as decimal() takes them: 0.4567 ->
// "45.7%"; (0.05, lang, 1, 0) -> "5%". 0 of 0 (not a number) reads as 0.
export function percent(ratio, lang, digits = 1, fewest = digits) {
  return `${decimal(Number.isFinite(ratio) ? ratio * 100 : 0, lang, digits, fewest)}%`;
}

// Basis points (hundredths of a percent) as the percentage they set: 5000 -> "50%", 2550 -> "25.5%".
export function percentOfBp(bp, lang) {
  return percent(Number(bp || 0) / 10000, lang, 2, 0);
}

// Fen as a number of yuan, for a chart's data: 123456 -> 1234.56.
export function yuanNumber(fen) {
  return Number(fen || 0) / 100;
}

// 123456 fen -> "1,234.56".
export function yuan(fen, lang) {
  return decimal(yuanNumber(fen), lang, 2);
}

// 123456 fen -> "1,234.56 元" / "1,234.56 yuan".
export function yuanWithUnit(fen, lang) {
  return `${yuan(fen, lang)} ${english(lang) ? "yuan" : "元"}`;
}

// Fen as an amount an <input> holds and the page reads back: 1250 -> "12.50"
// (no grouping, whatever the language).
export function yuanInput(fen) {
  return yuanNumber(fen).toFixed(2);
}

// A large figure for a dashboard tile: 4,830,000 -> "483.00 万" (zh) or
// "4.83 M" (en); below 10,000 the figure itself. `digits` decimals.
export function compact(n, lang, digits = 2) {
  const v = Number(n || 0);
  const steps = english(lang)
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
    if (Math.abs(v) >= at) return `${decimal(v / (div || at), lang, digits)} ${unit}`;
  }
  return count(v, lang);
}

// Fen as compact yuan: 2,100,000,000 fen -> "2,100.00 万元" / "21.00 M yuan".
export function compactYuan(fen, lang) {
  if (Math.abs(yuanNumber(fen)) < 1e4) return yuanWithUnit(fen, lang);
  const s = compact(yuanNumber(fen), lang);
  return english(lang) ? `${s} yuan` : `${s}元`;
}

// Seconds as the largest unit that reads well: 45 -> "45 s", 5400 -> "1.5 h",
// 129600 -> "1.5 d" (zh: 秒, 小时, 天).
export function duration(seconds, lang) {
  const s = Number(seconds || 0);
  const [d, h, sec] = english(lang) ? ["d", "h", "s"] : ["天", "小时", "秒"];
  if (Math.abs(s) >= 86400) return `${decimal(s / 86400, lang, 1)} ${d}`;
  if (Math.abs(s) >= 3600) return `${decimal(s / 3600, lang, 1)} ${h}`;
  return `${decimal(s, lang)} ${sec}`;
}

// A time (RFC 3339, or UTC milliseconds) as its date; "-" for none.
export function localDate(iso, lang) {
  if (!iso) return "-";
  return new Date(iso).toLocaleDateString(locale(lang));
}

// A time as its date and time to the minute; "-" for none.
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

// A time as its date and time to the second; "-" for none.
export function localTime(iso, lang) {
  if (!iso) return "-";
  return new Date(iso).toLocaleString(locale(lang), { hour12: false });
}

// A time's time of day, for a chart's axis: "14:03:27".
export function localClock(iso, lang) {
  return new Date(iso).toLocaleTimeString(locale(lang), { hour12: false });
}

// A time as a sentence says it: the date in words, and the time of day unless
// it is midnight: "2030年1月1日" / "1 January 2030 14:30". A value that is
// not a time shows as it is (a peer's catalog may send anything).
export function spokenTime(iso, lang) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const l = locale(lang);
  const day = d.toLocaleDateString(l, { year: "numeric", month: "long", day: "numeric" });
  if (d.getHours() === 0 && d.getMinutes() === 0) return day;
  return `${day} ${d.toLocaleTimeString(l, { hour: "2-digit", minute: "2-digit" })}`;
}
