// The one door to the Rust engine. Amounts cross it as decimal strings and come back as
// {amount, currency} objects: the UI never does arithmetic on money.
import { invoke, isTauri } from '@tauri-apps/api/core';

import type {
  CommandError,
  Dashboard,
  Connection,
  ConnectInput,
  CustomerInput,
  CustomerView,
  InvoiceInput,
  InvoicePage,
  InvoiceSort,
  InvoiceView,
  LineInput,
  ProductInput,
  ProductView,
  Seller,
  SyncReport,
  Totals,
} from './bindings';

// The types come from the Rust ones (bindings.ts, generated; a test fails when it is stale).
export type {
  Activity,
  Conflict,
  CurrencySummary,
  Dashboard,
  Connection,
  ConnectInput,
  CustomerView,
  InvoicePage,
  InvoiceRow,
  InvoiceSort,
  InvoiceView,
  LineInput,
  Money,
  News,
  PaymentLine,
  ProductView,
  SyncReport,
  Totals,
} from './bindings';
export type QuoteLine = LineInput;
export type EngineError = CommandError;
export type CompanyProfile = Seller;

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

export function customers(search: string | null = null): Promise<CustomerView[]> {
  return invoke<CustomerView[]>('customers', { search });
}

export function createCustomer(name: string, currency: string | null, email: string | null = null): Promise<CustomerView> {
  const input: CustomerInput = { name, currency, email };
  return invoke<CustomerView>('create_customer', { input });
}

export function invoice(id: string): Promise<InvoiceView> {
  return invoke<InvoiceView>('invoice', { id });
}

export function createInvoice(customerId: string, lines: LineInput[], notes: string | null = null): Promise<InvoiceView> {
  const input: InvoiceInput = { customer_id: customerId, currency: null, due_date: null, lines, notes };
  return invoke<InvoiceView>('create_invoice', { input });
}

export function recordPayment(invoiceId: string, amount: string, method: string): Promise<InvoiceView> {
  return invoke<InvoiceView>('record_payment', { invoiceId, amount, method });
}

export function issueInvoice(id: string): Promise<InvoiceView> {
  return invoke<InvoiceView>('issue_invoice', { id });
}

export function companyProfile(): Promise<CompanyProfile | null> {
  return invoke<CompanyProfile | null>('company_profile');
}

export function setCompanyProfile(profile: CompanyProfile): Promise<CompanyProfile> {
  return invoke<CompanyProfile>('set_company_profile', { profile });
}

export function connect(input: ConnectInput): Promise<SyncReport> {
  return invoke<SyncReport>('connect', { input });
}

export function syncNow(): Promise<SyncReport> {
  return invoke<SyncReport>('sync_now');
}

export function connection(): Promise<Connection> {
  return invoke<Connection>('connection');
}

export function invoicePage(
  search: string | null,
  status: string | null,
  sort: InvoiceSort,
  offset: number,
  limit: number,
): Promise<InvoicePage> {
  return invoke<InvoicePage>('invoice_page', { search, status, sort, offset, limit });
}

// The engine's events (src-tauri/src/events.rs): sent after every sync, however it started.
export const EVENTS = {
  syncing: 'remit://syncing',
  synced: 'remit://synced',
  syncFailed: 'remit://sync-failed',
  news: 'remit://news',
  conflicts: 'remit://conflicts',
} as const;

export function dashboard(): Promise<Dashboard> {
  return invoke<Dashboard>('dashboard');
}

export function products(search: string | null = null): Promise<ProductView[]> {
  return invoke<ProductView[]>('products', { search });
}

export function createProduct(input: ProductInput): Promise<ProductView> {
  return invoke<ProductView>('create_product', { input });
}

/** Renders the invoice as a PDF into the downloads folder; the file's path. */
export function savePdf(id: string): Promise<string> {
  return invoke<string>('save_pdf', { id });
}
