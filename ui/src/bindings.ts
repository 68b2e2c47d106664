// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// Regenerate: REMIT_UPDATE_BINDINGS=1 cargo test -p remit-desktop bindings

/** Money as it crosses: a decimal string in its currency, never a float. */
export type Money = { amount: string; currency: string };

export type CommandError = { code: string, message: string, };

export type Seller = { name: string, address: Array<string>, email: string | null, phone: string | null, website: string | null, 
/**
 * VAT / GST / ABN number.
 */
tax_id: string | null, 
/**
 * How to pay: bank details, check address.
 */
payment_instructions: string | null, 
/**
 * A PNG logo, base64.
 */
logo_png_base64: string | null, };

export type Address = { line1: string, line2: string, city: string, region: string, postal_code: string, country: string, };

export type CustomerLinks = { self: string, invoices: string, };

export type Credit = { currency: string, amount: string, };

export type CustomerView = { id: string, name: string, email: string | null, phone: string | null, billing_address: Address, tax_id: string | null, currency: string | null, payment_terms_days: number | null, notes: string | null, created_by: string, created_at: string, updated_at: string, links: CustomerLinks, 
/**
 * On the server's `GET /v1/customers/{id}`: credit per currency (overpayments not yet
 * refunded); a device does not compute it.
 */
credit?: Array<Credit>, };

export type CustomerInput = { name: string, email: string | null, currency: string | null, };

export type TaxCategory = "standard" | "zero_rated" | "exempt" | "reverse_charge" | "intra_community" | "export" | "outside_scope";

export type ProductLinks = { self: string, };

export type ProductView = { id: string, name: string, description: string | null, sku: string | null, currency: string, 
/**
 * A decimal string in `currency`.
 */
unit_price: string, unit: string | null, tax_rate: string, tax_category: TaxCategory, created_at: string, updated_at: string, links: ProductLinks, };

export type ProductInput = { name: string, unit_price: string, currency: string, tax_rate: string | null, sku: string | null, unit: string | null, };

export type LineTotal = { 
/**
 * The line amount as printed, in the invoice's price mode, after the line discount.
 */
amount: Money, 
/**
 * The line amount exclusive of tax (equal to `amount` with exclusive prices).
 */
net: Money, };

export type TaxSubtotal = { category: TaxCategory, rate: string, 
/**
 * Amount the tax is charged on, after its share of the invoice discount.
 */
taxable: Money, tax: Money, };

export type Totals = { currency: string, lines: Array<LineTotal>, 
/**
 * Sum of line nets, exclusive of tax, before the invoice discount.
 */
subtotal: Money, 
/**
 * Invoice discount, exclusive of tax.
 */
discount: Money, tax_breakdown: Array<TaxSubtotal>, tax: Money, total: Money, };

export type CustomerSummary = { id: string, name: string, email: string | null, };

export type LineView = { id: string, product_id: string | null, description: string, quantity: string, unit: string | null, unit_price: string, tax_rate: string, tax_category: TaxCategory, discount: { percent: string } | { amount: string } | null, 
/**
 * The line amount as printed (in the invoice's price mode, after its discount).
 */
amount: string, };

export type TaxLine = { category: TaxCategory, rate: string, taxable: string, tax: string, };

export type PaymentLine = { payment_id: string, amount: string, method: string, recorded_at: string, voided: boolean, refunded: string, };

export type InvoiceLinks = { self: string, pdf: string, 
/**
 * The customer portal's page for this invoice.
 */
public: string, };

export type InvoiceView = { id: string, 
/**
 * Assigned when issued.
 */
number: string | null, status: string, customer: CustomerSummary, issue_date: string, due_date: string, currency: string, price_mode: string, line_items: Array<LineView>, discount: { percent: string } | { amount: string } | null, subtotal: string, discount_total: string, tax: string, tax_breakdown: Array<TaxLine>, total: string, amount_paid: string, amount_refunded: string, amount_due: string, 
/**
 * Received beyond the total and not refunded.
 */
credit: string, disputed: boolean, notes: string | null, terms: string | null, po_number: string | null, reference: string | null, payments: Array<PaymentLine>, created_by: string, created_at: string, updated_at: string, issued_at: string | null, voided_at: string | null, links: InvoiceLinks, };

export type LineInput = { description: string, quantity: string, unit_price: string, tax_rate: string, };

export type InvoiceInput = { customer_id: string, currency: string | null, due_date: string | null, lines: Array<LineInput>, notes: string | null, };

export type InvoiceRow = { id: string, number: string | null, customer_name: string, 
/**
 * As shown: `overdue` once the due date has passed with money still due.
 */
status: string, currency: string, total: string, amount_due: string, issue_date: string, due_date: string, };

export type InvoicePage = { rows: Array<InvoiceRow>, matching: number, };

export type InvoiceSort = "newest" | "due_date" | "number" | "customer" | "total_desc" | "due_desc";

export type CurrencySummary = { currency: string, outstanding: string, outstanding_count: number, overdue: string, overdue_count: number, received_this_month: string, 
/**
 * Outstanding money by days past due: not yet due, 1–30, 31–60, 61–90, over 90.
 */
aging: [string, string, string, string, string], };

export type Activity = { at: string, 
/**
 * `issued`, `payment`, `viewed`, `voided`.
 */
kind: string, invoice_id: string, number: string | null, customer_name: string, amount: string | null, currency: string | null, };

export type Dashboard = { currencies: Array<CurrencySummary>, activity: Array<Activity>, };

export type NewsKind = "payment_received" | "invoice_viewed";

export type News = { kind: NewsKind, invoice_id: string, number: string | null, customer_name: string | null, 
/**
 * The payment's amount as a decimal string in `currency` (payments only).
 */
amount: string | null, currency: string | null, method: string | null, };

export type SyncReport = { pulled: number, 
/**
 * Bytes received for the pulled changes (documents, facts, views).
 */
pulled_bytes: number, pushed_documents: number, pushed_facts: number, 
/**
 * Invoices issued offline whose numbers the server accepted.
 */
pushed_issues: number, rejected: number, amendments: number, 
/**
 * What arrived that a person wants to hear of: payments received, invoices viewed.
 */
news: Array<News>, };

export type Device = { device_id: string, tenant_id: string, user_id: string, server_url: string | null, };

export type Conflict = { id: string, kind: string, document_id: string | null, detail: string, created_at: string, };

export type Connection = { device: Device, conflicts: Array<Conflict>, };

export type ConnectInput = { server: string, api_key: string | null, tenant: string | null, email: string | null, password: string | null, };

export type DraftDiscount = { 
/**
 * `percent` or `amount`.
 */
kind: string, value: string, };

export type DraftLine = { 
/**
 * The line's id when it was already saved (kept so that edits merge line by line).
 */
id: string | null, 
/**
 * The catalogue product the line came from, if any.
 */
product_id: string | null, description: string, quantity: string, unit_price: string, tax_rate: string, discount: DraftDiscount | null, };

export type Draft = { customer_id: string, 
/**
 * Default: the customer's currency.
 */
currency: string | null, 
/**
 * Default: today for a new draft, unchanged for a saved one.
 */
issue_date: string | null, 
/**
 * Default: the issue date plus the customer's payment terms (30 days).
 */
due_date: string | null, lines: Array<DraftLine>, discount: DraftDiscount | null, notes: string | null, terms: string | null, po_number: string | null, };

export type TimelineEntry = { at: string, 
/**
 * The fact's type: `issued`, `sent`, `viewed`, `payment_recorded`, `voided`, …
 */
kind: string, 
/**
 * `queued` (made here, not yet accepted), `accepted` or `rejected`.
 */
state: string, 
/**
 * The server's reason when it refused the fact.
 */
reason: string | null, 
/**
 * `user`, `customer` (on the portal) or `system` (a gateway, a schedule).
 */
actor: string, 
/**
 * What the fact carries, in words: the number issued, the payment method, a void's reason.
 */
detail: string | null, amount: string | null, };

export type PaymentRow = { fact_id: string, payment_id: string, invoice_id: string, number: string | null, customer_name: string, at: string, amount: string, currency: string, method: string, 
/**
 * `queued`, `accepted` or `rejected`.
 */
state: string, };

export type StatementError = { line: number, message: string, };

export type StatementImport = { format: string, 
/**
 * Transactions read from the file.
 */
read: number, 
/**
 * Of those, new on this device (the rest were imported before).
 */
new: number, 
/**
 * Transactions the file repeated (same bank id), left out.
 */
duplicates: number, 
/**
 * Lines or entries that could not be read; the others were.
 */
errors: Array<StatementError>, };

export type RunReport = { 
/**
 * Credits matched and paid automatically.
 */
matched: number, suggested: number, review: number, 
/**
 * Automatic matches that could not be recorded (the invoice changed meanwhile), left
 * for review with the reason.
 */
failed: number, };

export type Imported = { import: StatementImport, run: RunReport, };

export type CreditAllocation = { invoice_id: string, amount: string, 
/**
 * The invoice's number, as shown (filled when credits are listed).
 */
number?: string, };

export type BankCredit = { id: string, booked_on: string, amount: string, currency: string, payer: string | null, reference: string | null, description: string | null, 
/**
 * `open` (waiting for a decision), `matched` or `ignored`.
 */
state: string, 
/**
 * The matcher's answer: `auto`, `suggest` or `review`; none before the first run.
 */
decision: string | null, confidence: number | null, allocations: Array<CreditAllocation>, reasons: Array<string>, 
/**
 * `auto` or `person`, once matched.
 */
matched_by: string | null, 
/**
 * An automatic match was taken back: it is never matched automatically again.
 */
undone: boolean, 
/**
 * What of it became a customer's credit (recorded as an overpayment, or what was left
 * beyond its invoices), once matched.
 */
credited: Credited | null, };

export type Credited = { customer_id: string, customer_name: string, amount: string, };

export type ReconcileReport = { 
/**
 * Credits still open, with no match proposed or one waiting for a person.
 */
unmatched: Array<string>, 
/**
 * Credits flagged as paying an invoice already paid.
 */
duplicates: Array<string>, 
/**
 * Matched credits larger than what they paid (the rest is the customer's credit).
 */
overpayments: Array<string>, 
/**
 * Matched credits short of the amount due (a fee, or a partial payment).
 */
short_payments: Array<string>, 
/**
 * Automatic matches made, and how many of them were undone.
 */
automatic: number, automatic_undone: number, 
/**
 * The share of automatic matches that stood, as a percentage with two decimals; none
 * before any.
 */
accuracy: string | null, };

export type PaymentPage = { rows: Array<PaymentRow>, 
/**
 * Payments on this device in all.
 */
total: number, };

export type ServerAction = { 
/**
 * `void` or `send`.
 */
action: string, 
/**
 * A void's reason.
 */
reason: string | null, 
/**
 * Whom to e-mail (default: the customer's address), and a note above the summary.
 */
to: string | null, message: string | null, };

export type TaxRate = { name: string, 
/**
 * Percent as a decimal string: `"10"`, `"7.5"`.
 */
rate: string, };

export type Lease = { id: string, series: string, pattern: string, period: string, first: number, last: number, next: number, expires_at: string, };

export type Numbering = { 
/**
 * The series' pattern (`INV-{YYYY}-{SEQ:4}`): one series per tenant for now.
 */
pattern: string, 
/**
 * This device's block of numbers for issuing offline, if it holds one.
 */
lease: Lease | null, };

export type LeasePolicy = { enabled: boolean, block_size: number, lifetime_days: number, };

export type NewMember = { email: string, role: string, };
