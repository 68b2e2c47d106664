//! Typed ids: a customer id can never be passed where an invoice id is expected.
//! All are UUIDs (v7 when Remit creates them, so they sort by creation time); remit-core only
//! parses and carries them, the client and server generate them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            pub fn parse(s: &str) -> Result<Self> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| Error::invalid(stringify!($name), format!("{s:?} is not a UUID")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::parse(s)
            }
        }
    )*};
}

typed_id! {
    TenantId;
    UserId;
    DeviceId;
    InvoiceId;
    CustomerId;
    ProductId;
    LineItemId;
    /// A payment attempt or recorded payment; gateway attempts keep one id from initiation to outcome.
    PaymentId;
    RefundId;
    /// A fact's id makes it idempotent: the same fact delivered twice counts once.
    FactId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_print_as_uuids() {
        let s = "0190f1d2-3b4c-7d5e-8f60-718293a4b5c6";
        let id = InvoiceId::parse(s).unwrap();
        assert_eq!(id.to_string(), s);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{s}\""));
        let err = CustomerId::parse("cust_abc").unwrap_err();
        assert!(err.to_string().contains("CustomerId"), "{err}");
    }
}
