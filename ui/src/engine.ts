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

// Records as the engine (and the REST API) shows them: money as decimal strings in the
// record's currency.
export interface CustomerView {
  id: string;
  name: string;
  email: string | null;
  currency: string | null;
}

export interface PaymentLineView {
  payment_id: string;
  amount: string;
  method: string;
  recorded_at: string;
  voided: boolean;
  refunded: string;
}

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string;
  customer: { id: string; name: string; email: string | null };
  issue_date: string;
  due_date: string;
  currency: string;
  subtotal: string;
  tax: string;
  total: string;
  amount_paid: string;
  amount_due: string;
  notes: string | null;
  payments: PaymentLineView[];
}

export interface LineInput {
  description: string;
  quantity: string;
  unit_price: string;
  tax_rate: string;
}

export function customers(search: string | null = null): Promise<CustomerView[]> {
  return invoke<CustomerView[]>('customers', { search });
}

export function createCustomer(name: string, currency: string | null, email: string | null = null): Promise<CustomerView> {
  return invoke<CustomerView>('create_customer', { input: { name, currency, email } });
}

export function invoice(id: string): Promise<InvoiceView> {
  return invoke<InvoiceView>('invoice', { id });
}

export function createInvoice(customerId: string, lines: LineInput[], notes: string | null = null): Promise<InvoiceView> {
  return invoke<InvoiceView>('create_invoice', { input: { customer_id: customerId, lines, notes } });
}

export function recordPayment(invoiceId: string, amount: string, method: string): Promise<InvoiceView> {
  return invoke<InvoiceView>('record_payment', { invoiceId, amount, method });
}

export function issueInvoice(id: string): Promise<InvoiceView> {
  return invoke<InvoiceView>('issue_invoice', { id });
}

// The company profile: the seller named on every invoice.
export interface CompanyProfile {
  name: string;
  address: string[];
  email: string | null;
  phone: string | null;
  website: string | null;
  tax_id: string | null;
  payment_instructions: string | null;
  logo_png_base64: string | null;
}

export function companyProfile(): Promise<CompanyProfile | null> {
  return invoke<CompanyProfile | null>('company_profile');
}

export function setCompanyProfile(profile: CompanyProfile): Promise<CompanyProfile> {
  return invoke<CompanyProfile>('set_company_profile', { profile });
}

export interface SyncReport {
  pulled: number;
  pulled_bytes: number;
  pushed_documents: number;
  pushed_issues: number;
  pushed_facts: number;
  rejected: number;
  amendments: number;
}

export interface ConnectInput {
  server: string;
  api_key: string | null;
  tenant: string | null;
  email: string | null;
  password: string | null;
}

export interface ConflictView {
  id: string;
  kind: string;
  document_id: string | null;
  detail: string;
  created_at: string;
}

export interface Connection {
  device: { device_id: string; tenant_id: string; user_id: string; server_url: string | null };
  conflicts: ConflictView[];
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

// The list's rows: read from the replica's columns a page at a time (lists of any length).
export interface InvoiceRow {
  id: string;
  number: string | null;
  customer_name: string;
  status: string;
  currency: string;
  total: string;
  amount_due: string;
  issue_date: string;
  due_date: string;
}

export interface InvoicePage {
  rows: InvoiceRow[];
  matching: number;
}

export type InvoiceSort = 'newest' | 'due_date' | 'number' | 'customer' | 'total_desc' | 'due_desc';

export function invoicePage(
  search: string | null,
  status: string | null,
  sort: InvoiceSort,
  offset: number,
  limit: number,
): Promise<InvoicePage> {
  return invoke<InvoicePage>('invoice_page', { search, status, sort, offset, limit });
}
