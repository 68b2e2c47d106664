// Money as the engine sends it: a decimal string in a currency ("5000.00", "USD"). The UI
// never turns it into a binary float: grouping is done on the digits, and shares (the progress
// bar) on integer minor units with BigInt.

const symbols = new Map<string, { symbol: string; before: boolean }>();

function symbolOf(currency: string): { symbol: string; before: boolean } {
  let s = symbols.get(currency);
  if (!s) {
    try {
      const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency }).formatToParts(0);
      const cur = parts.findIndex((p) => p.type === 'currency');
      const num = parts.findIndex((p) => p.type === 'integer');
      s = { symbol: parts[cur]?.value ?? currency, before: cur < num };
    } catch {
      s = { symbol: currency + ' ', before: true };
    }
    symbols.set(currency, s);
  }
  return s;
}

/** "1234567.5" → "1,234,567.5": grouping on the string, nothing else changes. */
export function group(amount: string): string {
  const negative = amount.startsWith('-');
  const digits = negative ? amount.slice(1) : amount;
  const [int, frac] = digits.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (frac !== undefined ? '.' + frac : '');
}

/** "5000.00", "USD" → "$5,000.00"; unknown currencies keep their code. */
export function formatMoney(amount: string, currency: string): string {
  const { symbol, before } = symbolOf(currency);
  const negative = amount.startsWith('-');
  const body = group(negative ? amount.slice(1) : amount);
  const text = before ? symbol + body : body + ' ' + symbol;
  return negative ? '-' + text : text;
}

/** A decimal string as an integer count of its smallest unit at `scale` decimals. */
export function toMinor(amount: string, scale: number): bigint {
  const negative = amount.startsWith('-');
  const [int, frac = ''] = (negative ? amount.slice(1) : amount).split('.');
  const units = BigInt((int || '0') + frac.padEnd(scale, '0').slice(0, scale));
  return negative ? -units : units;
}

function scaleOf(...amounts: string[]): number {
  return Math.max(0, ...amounts.map((a) => (a.split('.')[1] ?? '').length));
}

/** Whole percent of `part` in `whole` (rounded down, 0–100); 0 when `whole` is zero. */
export function percentOf(part: string, whole: string): number {
  const scale = scaleOf(part, whole);
  const p = toMinor(part, scale);
  const w = toMinor(whole, scale);
  if (w <= 0n) return 0;
  const pct = (p * 100n) / w;
  return Number(pct < 0n ? 0n : pct > 100n ? 100n : pct);
}

/** Whole amounts lose their zero fraction ("5000.00" → "5000"); others stay exact. */
function whole(amount: string): string {
  return /\.0+$/.test(amount) ? amount.replace(/\.0+$/, '') : amount;
}

/** "Paid $5,000 of $10,000 (50%)" (spec 4.3, running balance). */
export function paidLine(paid: string, total: string, currency: string): string {
  const pct = percentOf(paid, total);
  return `Paid ${formatMoney(whole(paid), currency)} of ${formatMoney(whole(total), currency)} (${pct}%)`;
}

/** Whether a decimal string is zero ("0", "0.00", "-0.00"). */
export function isZero(amount: string): boolean {
  return /^-?0+(\.0+)?$/.test(amount.trim());
}
