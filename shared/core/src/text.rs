//! Small validated text values: parse, don't validate.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};

/// An e-mail address, checked for the shape that mail servers accept (one `@`, a dotted
/// domain, no spaces), not verified to exist. Kept in lower case, so `Ann@Acme.com` and
/// `ann@acme.com` are one address (no mail system in practice tells them apart).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self> {
        let s = input.trim();
        let bad = |why: &str| Error::invalid("email", format!("{input:?} {why}"));
        if s.is_empty() || s.len() > 254 {
            return Err(bad("must be 1 to 254 characters"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(bad("has no '@'"));
        };
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(bad("has an invalid part before '@'"));
        }
        let labels_ok = domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        if !domain.contains('.') || !labels_ok {
            return Err(bad("has an invalid domain"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c)) {
            return Err(bad("contains characters an address cannot have"));
        }
        Ok(Self(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Email::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// An issued invoice's number, e.g. `INV-2025-0001`: 1 to 64 visible characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct InvoiceNumber(String);

impl InvoiceNumber {
    pub fn parse(input: &str) -> Result<Self> {
        let ok_len = !input.is_empty() && input.chars().count() <= 64;
        let ok_chars = input.chars().all(|c| c.is_alphanumeric() || "-_/.#".contains(c));
        if !ok_len || !ok_chars {
            return Err(Error::invalid("number", format!("{input:?} must be 1 to 64 letters, digits or - _ / . #")));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvoiceNumber({})", self.0)
    }
}

impl<'de> Deserialize<'de> for InvoiceNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        InvoiceNumber::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" billing@acme.com ").unwrap().as_str(), "billing@acme.com");
        assert_eq!(Email::parse("Ann@Acme.COM").unwrap(), Email::parse("ann@acme.com").unwrap());
        assert!(Email::parse("a.b+tag@sub.example.co.uk").is_ok());
        for bad in [
            "",
            "acme.com",
            "@acme.com",
            "billing@",
            "billing@acme",
            "a b@acme.com",
            "billing@acme..com",
            "billing@-acme.com",
            "x@y@z.com",
            "a<b>@acme.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    #[test]
    fn invoice_numbers() {
        assert!(InvoiceNumber::parse("INV-2025-0001").is_ok());
        assert!(InvoiceNumber::parse("2025/17").is_ok());
        for bad in ["", "INV 1", "INV\n1", &"9".repeat(65)] {
            assert!(InvoiceNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
