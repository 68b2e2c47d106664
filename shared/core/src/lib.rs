//! remit-core: Remit's domain, shared by the desktop and mobile app, the `remit` CLI and the
//! sync server, so all of them compute the same totals and the same statuses.
//!
//! Money is integer minor units with an ISO 4217 currency (`money`, `currency`); quantities,
//! prices and rates are decimals; totals follow one rounding rule (`tax`). Documents are what
//! people edit (`document`); facts are what happened, and status is a pure function of both
//! (`lifecycle`). Number series (`numbering`) and access rules (`rbac`) live here too.
//!
//! This crate must not depend on storage, networking, async runtimes or the clock: callers
//! pass "today" in. No float ever touches money here (a test scans the sources for it).

pub mod crdt;
pub mod currency;
pub mod decimal;
pub mod document;
pub mod error;
pub mod ids;
pub mod lifecycle;
pub mod money;
pub mod numbering;
pub mod pdf;
pub mod rbac;
pub mod reconcile;
pub mod records;
pub mod statement;
pub mod tax;
pub mod text;
pub mod view;

pub use currency::Currency;
pub use document::{Address, Customer, CustomerSnapshot, Invoice, LineItem, Product};
pub use error::{Error, FieldError, Result};
pub use ids::*;
pub use lifecycle::{Balance, Fact, FactKind, InvoiceState, Status};
pub use money::{Money, Share};
pub use numbering::{NumberBlock, NumberPattern, SeriesCounter};
pub use rbac::{Action, Grant, Permission, Policy, Restrictions, Role};
pub use tax::{Discount, PriceMode, TaxCategory, Totals};
pub use text::{Email, InvoiceNumber};

/// Re-exported so callers build quantities and rates with the same decimal type.
pub use rust_decimal::Decimal;
