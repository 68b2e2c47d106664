// The invoice editor's form and what it becomes: the Draft the engine saves, and the quote
// request for live totals. Pure functions (tested in editor.test.ts); amounts stay the text
// typed, and every sum is the engine's.
import type { Draft, DraftDiscount, DraftLine, InvoiceView, ProductView, TaxRate } from '../bindings';

export type DiscountKind = '' | 'percent' | 'amount';

export type FormLine = {
  id: string | null;
  product_id: string | null;
  description: string;
  quantity: string;
  unit_price: string;
  tax_rate: string;
  discount_kind: DiscountKind;
  discount_value: string;
};

export type Form = {
  customer_id: string;
  currency: string;
  issue_date: string;
  due_date: string;
  lines: FormLine[];
  discount_kind: DiscountKind;
  discount_value: string;
  notes: string;
  terms: string;
  po_number: string;
};

/** A new line: quantity 1, the first preset rate (or 0). */
export function blankLine(rates: TaxRate[] = []): FormLine {
  return {
    id: null,
    product_id: null,
    description: '',
    quantity: '1',
    unit_price: '',
    tax_rate: rates[0]?.rate ?? '0',
    discount_kind: '',
    discount_value: '',
  };
}

export function blankForm(rates: TaxRate[] = []): Form {
  return {
    customer_id: '',
    currency: '',
    issue_date: '',
    due_date: '',
    lines: [blankLine(rates)],
    discount_kind: '',
    discount_value: '',
    notes: '',
    terms: '',
    po_number: '',
  };
}

/** The line as the product gives it (name, price, rate); the quantity typed stays. */
export function fromProduct(line: FormLine, p: ProductView): FormLine {
  return { ...line, product_id: p.id, description: p.name, unit_price: p.unit_price, tax_rate: p.tax_rate };
}

function discountOf(kind: DiscountKind, value: string): DraftDiscount | null {
  return kind && value.trim() ? { kind, value: value.trim() } : null;
}

function splitDiscount(d: { percent: string } | { amount: string } | null): [DiscountKind, string] {
  if (!d) return ['', ''];
  return 'percent' in d ? ['percent', d.percent] : ['amount', d.amount];
}

function orNull(s: string): string | null {
  return s.trim() ? s.trim() : null;
}

/** A saved draft, back into the form (line ids kept so edits merge line by line). */
export function fromInvoice(v: InvoiceView): Form {
  const [kind, value] = splitDiscount(v.discount);
  return {
    customer_id: v.customer.id,
    currency: v.currency,
    issue_date: v.issue_date,
    due_date: v.due_date,
    lines: v.line_items.map((l) => {
      const [dk, dv] = splitDiscount(l.discount);
      return {
        id: l.id,
        product_id: l.product_id,
        description: l.description,
        quantity: l.quantity,
        unit_price: l.unit_price,
        tax_rate: l.tax_rate,
        discount_kind: dk,
        discount_value: dv,
      };
    }),
    discount_kind: kind,
    discount_value: value,
    notes: v.notes ?? '',
    terms: v.terms ?? '',
    po_number: v.po_number ?? '',
  };
}

/** A line left wholly blank is not a line: it is dropped rather than refused. */
function isBlank(l: FormLine): boolean {
  return !l.description.trim() && !l.unit_price.trim() && !l.product_id;
}

export function toDraft(f: Form): Draft {
  const lines: DraftLine[] = f.lines.filter((l) => !isBlank(l)).map((l) => ({
    id: l.id,
    product_id: l.product_id,
    description: l.description,
    quantity: l.quantity,
    unit_price: l.unit_price,
    tax_rate: l.tax_rate,
    discount: discountOf(l.discount_kind, l.discount_value),
  }));
  return {
    customer_id: f.customer_id,
    currency: orNull(f.currency),
    issue_date: orNull(f.issue_date),
    due_date: orNull(f.due_date),
    lines,
    discount: discountOf(f.discount_kind, f.discount_value),
    notes: orNull(f.notes),
    terms: orNull(f.terms),
    po_number: orNull(f.po_number),
  };
}

function wire(kind: DiscountKind, value: string): { percent: string } | { amount: string } | null {
  const d = discountOf(kind, value);
  if (!d) return null;
  return d.kind === 'percent' ? { percent: d.value } : { amount: d.value };
}

/** The quote request for the live totals (the REST API's line shape); null until there is a
 * currency and at least one line with a price. */
export function quoteRequest(f: Form): object | null {
  const lines = f.lines.filter((l) => !isBlank(l) && l.unit_price.trim());
  if (!f.currency.trim() || lines.length === 0) return null;
  return {
    currency: f.currency.trim().toUpperCase(),
    line_items: lines.map((l) => ({
      description: l.description,
      quantity: l.quantity.trim(),
      unit_price: l.unit_price.trim(),
      tax_rate: l.tax_rate.trim(),
      discount: wire(l.discount_kind, l.discount_value),
    })),
    discount: wire(f.discount_kind, f.discount_value),
  };
}

/** YYYY-MM-DD plus whole days, on the calendar (no time zone can move it). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}
