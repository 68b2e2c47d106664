//! The one error type of remit-core. Each variant has a stable snake_case `code()` that the
//! server's problem+json and the desktop's `{code, message}` pass on unchanged.

use crate::currency::Currency;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem with one field of a document, e.g. `line_items[2].quantity`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("unknown or withdrawn ISO 4217 currency code {0:?}")]
    UnknownCurrency(String),
    #[error("{input:?} is not an amount: {reason}")]
    InvalidAmount { input: String, reason: &'static str },
    #[error("{input:?} has more decimals than {currency} allows ({max})")]
    TooManyDecimals { input: String, currency: Currency, max: u32 },
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount out of range")]
    Overflow,
    #[error("cannot allocate: {0}")]
    InvalidAllocation(&'static str),
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("the document has {} problem(s): {}", .0.len(), join(.0))]
    Validation(Vec<FieldError>),
    #[error("invalid number pattern {pattern:?}: {reason}")]
    InvalidNumberPattern { pattern: String, reason: String },
    #[error("number series: {0}")]
    NumberSeries(String),
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("unknown permission {0:?}")]
    UnknownPermission(String),
}

fn join(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }

    /// Stable machine-readable code; clients switch on this, never on the message.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownCurrency(_) => "unknown_currency",
            Error::InvalidAmount { .. } => "invalid_amount",
            Error::TooManyDecimals { .. } => "too_many_decimals",
            Error::CurrencyMismatch { .. } => "currency_mismatch",
            Error::Overflow => "amount_out_of_range",
            Error::InvalidAllocation(_) => "invalid_allocation",
            Error::Invalid { .. } => "invalid_field",
            Error::Validation(_) => "validation_failed",
            Error::InvalidNumberPattern { .. } => "invalid_number_pattern",
            Error::NumberSeries(_) => "number_series",
            Error::UnknownRole(_) => "unknown_role",
            Error::UnknownPermission(_) => "unknown_permission",
        }
    }
}
