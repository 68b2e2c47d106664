// The one door to the Rust engine. Amounts cross it as decimal strings and come back as
// {amount, currency} objects: the UI never does arithmetic on money.
import { invoke, isTauri } from '@tauri-apps/api/core';

export interface Money {
  amount: string;
  currency: string;
}

export interface QuoteLine {
  description: string;
  quantity: string;
  unit_price: string;
  tax_rate: string;
}

export interface TaxSubtotal {
  category: string;
  rate: string;
  taxable: Money;
  tax: Money;
}

export interface Totals {
  currency: string;
  lines: { amount: Money; net: Money }[];
  subtotal: Money;
  discount: Money;
  tax_breakdown: TaxSubtotal[];
  tax: Money;
  total: Money;
}

export interface EngineError {
  code: string;
  message: string;
}

export const inApp = isTauri();

export function quote(currency: string, lines: QuoteLine[]): Promise<Totals> {
  return invoke<Totals>('quote', { request: { currency, line_items: lines } });
}

export function asEngineError(e: unknown): EngineError {
  if (typeof e === 'object' && e !== null && 'code' in e && 'message' in e) {
    return e as EngineError;
  }
  return { code: 'unexpected', message: String(e) };
}
