// The one door to the Rust engine. Amounts cross it as decimal strings and come back as
// {amount, currency} objects: the UI never does arithmetic on money.
import { invoke, isTauri } from '@tauri-apps/api/core';

import type {
  BankCredit,
  CommandError,
  Imported,
  ReconcileReport,
  RunReport,
  Dashboard,
  Connection,
  ConnectInput,
  CustomerInput,
  CustomerView,
  Draft,
  LeasePolicy,
  Numbering,
  PaymentPage,
  ServerAction,
  TaxRate,
  TimelineEntry,
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
  BankCredit,
  Conflict,
  Imported,
  ReconcileReport,
  RunReport,
  CurrencySummary,
  Dashboard,
  Connection,
  ConnectInput,
  CustomerView,
  Draft,
  InvoicePage,
  InvoiceRow,
  LeasePolicy,
  Numbering,
  PaymentPage,
  PaymentRow,
  TaxRate,
  TimelineEntry,
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

/** Totals of a whole quote request (lines with discounts, an invoice discount). */
export function quoteRequest(request: object): Promise<Totals> {
  return invoke<Totals>('quote', { request });
}

export function asEngineError(e: unknown): EngineError {
  if (typeof e === 'object' && e !== null && 'code' in e && 'message' in e) {
    return e as EngineError;
  }
  return { code: 'unexpected', message: String(e) };
}

/** An engine error as the screens show it: the message, then the code in parentheses. */
export function errorText(e: unknown): string {
  const x = asEngineError(e);
  return `${x.message} (${x.code})`;
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

/** Saves the editor's draft: a new invoice without `id`, else that draft replaced. */
export function saveDraft(id: string | null, draft: Draft): Promise<InvoiceView> {
  return invoke<InvoiceView>('save_draft', { id, draft });
}

export function deleteDraft(id: string): Promise<void> {
  return invoke<void>('delete_draft', { id });
}

export function timeline(id: string): Promise<TimelineEntry[]> {
  return invoke<TimelineEntry[]>('timeline', { id });
}

export function payments(offset: number, limit: number): Promise<PaymentPage> {
  return invoke<PaymentPage>('payments', { offset, limit });
}

/** Void or e-mail an invoice: done by the sync server (`needs_server` when never connected). */
export function onServer(id: string, request: ServerAction): Promise<InvoiceView> {
  return invoke<InvoiceView>('invoice_on_server', { id, request });
}

export function portalLink(id: string): Promise<string> {
  return invoke<string>('portal_link', { id });
}

export function taxRates(): Promise<TaxRate[]> {
  return invoke<TaxRate[]>('tax_rates');
}

export function setTaxRates(rates: TaxRate[]): Promise<TaxRate[]> {
  return invoke<TaxRate[]>('set_tax_rates', { rates });
}

export function resolveConflict(id: string, discard: boolean): Promise<void> {
  return invoke<void>('resolve_conflict', { id, discard });
}

export function numbering(): Promise<Numbering> {
  return invoke<Numbering>('numbering');
}

export function leasePolicy(): Promise<LeasePolicy> {
  return invoke<LeasePolicy>('lease_policy');
}

export function setLeasePolicy(policy: LeasePolicy): Promise<LeasePolicy> {
  return invoke<LeasePolicy>('set_lease_policy', { policy });
}

export type Member = { id: string; email: string; role: string; status: string; created_at: string };

/** The tenant's members (the REST API's page), for a user allowed to manage them. */
export async function users(): Promise<Member[]> {
  const page = await invoke<{ data: Member[] }>('users');
  return page.data;
}

export function addUser(email: string, role: string): Promise<{ user_id: string; email: string; role: string; api_key: string }> {
  return invoke('add_user', { member: { email, role } });
}

/** A bank statement (its bytes, base64) imported and the matcher run over the open credits. */
export function importStatement(data: string, format: string | null = null): Promise<Imported> {
  return invoke<Imported>('import_statement', { data, format });
}

export function reconcileRun(): Promise<RunReport> {
  return invoke<RunReport>('reconcile_run');
}

export function bankCredits(): Promise<BankCredit[]> {
  return invoke<BankCredit[]>('bank_credits');
}

export function creditAction(id: string, action: 'approve' | 'ignore' | 'undo'): Promise<BankCredit> {
  return invoke<BankCredit>('credit_action', { id, action });
}

/** From the review queue: record the credit as `customerId`'s credit, or make an invoice for it
 * (`description` its line; default "Payment received DATE"). */
export function resolveCredit(
  id: string,
  action: 'credit' | 'invoice',
  customerId: string,
  description: string | null = null,
): Promise<BankCredit> {
  return invoke<BankCredit>('credit_action', { id, action, customerId, description });
}

export function approveSuggestions(): Promise<number> {
  return invoke<number>('approve_suggestions');
}

export function reconcileReport(): Promise<ReconcileReport> {
  return invoke<ReconcileReport>('reconcile_report');
}
