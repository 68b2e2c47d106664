//! Invoice number series: patterns such as `INV-{YYYY}-{SEQ:4}`, and the arithmetic of
//! leasing blocks of numbers to devices so they can issue offline without ever using a
//! number twice.
//!
//! Placeholders: `{YYYY}` year, `{YY}` two-digit year, `{MM}` month, `{SEQ}` or `{SEQ:n}` the
//! sequence zero-padded to at least `n` digits. Exactly one `{SEQ}` is required. The sequence
//! restarts in each *period*: the pattern with its date placeholders filled in, so
//! `INV-{YYYY}-{SEQ:4}` counts from 1 every year and `INV-{SEQ}` never restarts.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::InvoiceNumber;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Year4,
    Year2,
    Month,
    Seq { width: usize },
}

/// A parsed number pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct NumberPattern {
    source: String,
    tokens: Vec<Token>,
}

/// What an existing number says about its place in a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNumber {
    pub period: String,
    pub seq: u64,
}

const MAX_WIDTH: usize = 12;

impl NumberPattern {
    pub fn parse(pattern: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidNumberPattern { pattern: pattern.to_owned(), reason: reason.to_owned() };
        let mut tokens = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or_else(|| bad("'{' without '}'"))?;
                tokens.push(
                    placeholder(&after[..end])
                        .ok_or_else(|| bad(&format!("unknown placeholder {{{}}}", &after[..end])))?,
                );
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if literal.contains('}') || !literal.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.#".contains(c)) {
                    return Err(bad("text between placeholders may hold only letters, digits and - _ / . #"));
                }
                tokens.push(Token::Literal(literal.to_owned()));
                rest = &rest[end..];
            }
        }
        let seqs = tokens.iter().filter(|t| matches!(t, Token::Seq { .. })).count();
        if seqs != 1 {
            return Err(bad("needs exactly one {SEQ}"));
        }
        // A number must read back unambiguously: no two numeric placeholders side by side.
        let numeric = |t: &Token| !matches!(t, Token::Literal(_));
        let starts_with_digit =
            |t: &Token| matches!(t, Token::Literal(s) if s.starts_with(|c: char| c.is_ascii_digit()));
        if tokens.windows(2).any(|w| numeric(&w[0]) && (numeric(&w[1]) || starts_with_digit(&w[1]))) {
            return Err(bad("placeholders must be followed by text that starts with a non-digit, e.g. {YYYY}-{SEQ}"));
        }
        if pattern.len() > 48 {
            return Err(bad("must be at most 48 characters"));
        }
        Ok(Self { source: pattern.to_owned(), tokens })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The period a date falls in; sequences restart when it changes.
    pub fn period(&self, date: NaiveDate) -> String {
        self.render(date, None)
    }

    /// The number for sequence `seq` (from 1) on `date`.
    pub fn format(&self, date: NaiveDate, seq: u64) -> Result<InvoiceNumber> {
        if seq == 0 {
            return Err(Error::NumberSeries("sequences start at 1".into()));
        }
        // Four-digit years only, so every number reads back (`parse_number`).
        if !(0..=9999).contains(&date.year()) {
            return Err(Error::NumberSeries(format!("year {} is outside 0000-9999", date.year())));
        }
        InvoiceNumber::parse(&self.render(date, Some(seq)))
    }

    /// The number for sequence `seq` in `period` (as [`NumberPattern::period`] gave it): how a
    /// block's numbers are printed without a date at hand.
    pub fn format_in_period(&self, period: &str, seq: u64) -> Result<InvoiceNumber> {
        let width = self.tokens.iter().find_map(|t| match t {
            Token::Seq { width } => Some(*width),
            _ => None,
        });
        let number = period.replacen("{SEQ}", &format!("{seq:0width$}", width = width.unwrap_or(1)), 1);
        match self.parse_number(&number) {
            Some(p) if p.period == period && p.seq == seq => InvoiceNumber::parse(&number),
            _ => Err(Error::NumberSeries(format!("{seq} in {period:?} is not a number of {}", self.source))),
        }
    }

    fn render(&self, date: NaiveDate, seq: Option<u64>) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(s) => out.push_str(s),
                Token::Year4 => out.push_str(&format!("{:04}", date.year())),
                Token::Year2 => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
                Token::Month => out.push_str(&format!("{:02}", date.month())),
                Token::Seq { width } => match seq {
                    Some(n) => out.push_str(&format!("{n:0width$}")),
                    None => out.push_str("{SEQ}"),
                },
            }
        }
        out
    }

    /// Reads a number back into its period and sequence; `None` if it is not one of this
    /// pattern's numbers in canonical form.
    pub fn parse_number(&self, number: &str) -> Option<ParsedNumber> {
        let mut rest = number;
        let mut period = String::new();
        let mut seq = None;
        for token in &self.tokens {
            match token {
                Token::Literal(s) => {
                    rest = rest.strip_prefix(s.as_str())?;
                    period.push_str(s);
                }
                Token::Seq { width } => {
                    let digits = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
                    let n: u64 = digits.parse().ok()?;
                    // Canonical only: "INV-7" is not "INV-0007".
                    if n == 0 || digits != format!("{n:0width$}") {
                        return None;
                    }
                    seq = Some(n);
                    period.push_str("{SEQ}");
                    rest = &rest[digits.len()..];
                }
                Token::Year4 | Token::Year2 | Token::Month => {
                    let n = if *token == Token::Year4 { 4 } else { 2 };
                    let digits = rest.get(..n).filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
                    if *token == Token::Month && !(1..=12).contains(&digits.parse::<u32>().ok()?) {
                        return None;
                    }
                    period.push_str(digits);
                    rest = &rest[n..];
                }
            }
        }
        (rest.is_empty()).then_some(ParsedNumber { period, seq: seq? })
    }
}

fn placeholder(name: &str) -> Option<Token> {
    match name {
        "YYYY" => Some(Token::Year4),
        "YY" => Some(Token::Year2),
        "MM" => Some(Token::Month),
        "SEQ" => Some(Token::Seq { width: 1 }),
        _ => {
            let width: usize = name.strip_prefix("SEQ:")?.parse().ok()?;
            (1..=MAX_WIDTH).contains(&width).then_some(Token::Seq { width })
        }
    }
}

impl fmt::Debug for NumberPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumberPattern({})", self.source)
    }
}

impl Serialize for NumberPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for NumberPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        NumberPattern::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The tenant's series until per-tenant patterns exist: the server numbers with it, and so does
/// a device that has never connected to one (its numbers are adopted on its first sync).
pub const DEFAULT_SERIES: &str = "default";
pub const DEFAULT_PATTERN: &str = "INV-{YYYY}-{SEQ:4}";

/// The server's counter for one period of one series: the next sequence it has not handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesCounter {
    pub period: String,
    pub next: u64,
}

/// The largest block a device may lease at once.
pub const MAX_BLOCK: u64 = 10_000;

impl SeriesCounter {
    pub fn new(period: String) -> Self {
        Self { period, next: 1 }
    }

    /// Takes one number (an online issue).
    pub fn take(&mut self) -> Result<u64> {
        Ok(self.lease(1)?.first)
    }

    /// Leases the next `size` numbers to a device. Blocks never overlap each other or numbers
    /// taken one at a time, because both only ever move `next` forward.
    pub fn lease(&mut self, size: u64) -> Result<NumberBlock> {
        if !(1..=MAX_BLOCK).contains(&size) {
            return Err(Error::NumberSeries(format!("a block holds 1 to {MAX_BLOCK} numbers")));
        }
        if self.next == 0 {
            return Err(Error::NumberSeries("sequences start at 1".into()));
        }
        let first = self.next;
        let last = first.checked_add(size - 1).ok_or_else(|| Error::NumberSeries("series exhausted".into()))?;
        self.next = last.checked_add(1).ok_or_else(|| Error::NumberSeries("series exhausted".into()))?;
        Ok(NumberBlock { period: self.period.clone(), first, last })
    }
}

/// A run of sequence numbers `first..=last` in one period, leased to one device. Only built
/// by `SeriesCounter::lease` or `NumberBlock::new`, so `1 <= first <= last < u64::MAX`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawBlock")]
pub struct NumberBlock {
    period: String,
    first: u64,
    last: u64,
}

#[derive(Deserialize)]
struct RawBlock {
    period: String,
    first: u64,
    last: u64,
}

impl TryFrom<RawBlock> for NumberBlock {
    type Error = Error;
    fn try_from(raw: RawBlock) -> Result<Self> {
        NumberBlock::new(raw.period, raw.first, raw.last)
    }
}

impl NumberBlock {
    pub fn new(period: String, first: u64, last: u64) -> Result<Self> {
        if first == 0 || first > last || last == u64::MAX {
            return Err(Error::NumberSeries(format!("{first}..={last} is not a block of sequence numbers")));
        }
        Ok(Self { period, first, last })
    }

    pub fn period(&self) -> &str {
        &self.period
    }

    pub fn first(&self) -> u64 {
        self.first
    }

    pub fn last(&self) -> u64 {
        self.last
    }

    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn contains(&self, seq: u64) -> bool {
        (self.first..=self.last).contains(&seq)
    }
}

/// A device's use of its block: numbers are issued in order, each once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockUsage {
    pub block: NumberBlock,
    pub used: BTreeSet<u64>,
}

impl BlockUsage {
    pub fn new(block: NumberBlock) -> Self {
        Self { block, used: BTreeSet::new() }
    }

    /// The next number the device may issue, without taking it.
    pub fn peek(&self) -> Option<u64> {
        let next = match self.used.range(self.block.first..=self.block.last).next_back() {
            Some(n) => n.checked_add(1)?,
            None => self.block.first,
        };
        self.block.contains(next).then_some(next)
    }

    /// Issues the next number of the block; `None` when the block is spent.
    pub fn issue(&mut self) -> Option<u64> {
        let next = self.peek()?;
        self.used.insert(next);
        Some(next)
    }

    /// Records a number the device reports it used (the server's view). A number outside the
    /// block or already recorded is refused: that would be a number used twice.
    pub fn record(&mut self, seq: u64) -> Result<()> {
        if !self.block.contains(seq) {
            return Err(Error::NumberSeries(format!(
                "{seq} is not in block {}..={}",
                self.block.first, self.block.last
            )));
        }
        if !self.used.insert(seq) {
            return Err(Error::NumberSeries(format!("{seq} was already used")));
        }
        Ok(())
    }

    pub fn remaining(&self) -> u64 {
        let used = self.used.range(self.block.first..=self.block.last).count() as u64;
        self.block.len().saturating_sub(used)
    }

    /// Numbers of the block never used, as ranges: recorded as explained gaps when the lease
    /// expires or is returned.
    pub fn gaps(&self) -> Vec<RangeInclusive<u64>> {
        let mut gaps = Vec::new();
        let mut start = self.block.first;
        for &n in self.used.range(self.block.first..=self.block.last) {
            if n > start {
                gaps.push(start..=n - 1);
            }
            start = n + 1;
        }
        if start <= self.block.last {
            gaps.push(start..=self.block.last);
        }
        gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn formats_the_spec_pattern() {
        let p = NumberPattern::parse("INV-{YYYY}-{SEQ:4}").unwrap();
        assert_eq!(p.format(date(2025, 1, 15), 1).unwrap().as_str(), "INV-2025-0001");
        assert_eq!(p.format(date(2025, 1, 15), 12345).unwrap().as_str(), "INV-2025-12345");
        assert_eq!(p.period(date(2025, 6, 1)), "INV-2025-{SEQ}");
        assert_ne!(p.period(date(2025, 6, 1)), p.period(date(2026, 1, 1)));
        let q = NumberPattern::parse("{YY}{MM}/{SEQ:3}").unwrap_err();
        assert_eq!(q.code(), "invalid_number_pattern");
        let m = NumberPattern::parse("F{YY}.{MM}-{SEQ:3}").unwrap();
        assert_eq!(m.format(date(2009, 3, 2), 7).unwrap().as_str(), "F09.03-007");
        assert_eq!(NumberPattern::parse("{SEQ}").unwrap().format(date(2025, 1, 1), 42).unwrap().as_str(), "42");
        assert!(p.format(date(2025, 1, 1), 0).is_err());
    }

    #[test]
    fn refuses_bad_patterns() {
        for bad in [
            "INV-{YYYY}",
            "{SEQ}-{SEQ}",
            "INV-{SEQ:0}",
            "INV-{SEQ:13}",
            "INV-{DD}-{SEQ}",
            "INV {SEQ}",
            "INV-{SEQ",
            "INV-}{SEQ}",
            "{YYYY}{SEQ}",
            "{SEQ}7",
            &format!("{}{{SEQ}}", "A".repeat(48)),
        ] {
            assert!(NumberPattern::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn reads_numbers_back() {
        let p = NumberPattern::parse("INV-{YYYY}-{SEQ:4}").unwrap();
        assert_eq!(p.parse_number("INV-2025-0042"), Some(ParsedNumber { period: "INV-2025-{SEQ}".into(), seq: 42 }));
        assert_eq!(p.parse_number("INV-2025-12345").map(|n| n.seq), Some(12345));
        for bad in ["INV-2025-42", "INV-2025-0000", "INV-25-0042", "INV-2025-0042x", "XNV-2025-0042", "INV-2025-"] {
            assert_eq!(p.parse_number(bad), None, "{bad:?}");
        }
        let m = NumberPattern::parse("{YYYY}/{MM}/{SEQ:2}").unwrap();
        assert_eq!(m.parse_number("2025/13/01"), None);
        assert_eq!(m.parse_number("2025/12/01").map(|n| n.seq), Some(1));
    }

    #[test]
    fn formats_within_a_period() {
        let p = NumberPattern::parse("INV-{YYYY}-{SEQ:4}").unwrap();
        let period = p.period(date(2026, 3, 4));
        assert_eq!(p.format_in_period(&period, 7).unwrap(), p.format(date(2026, 3, 4), 7).unwrap());
        assert!(p.format_in_period(&period, 0).is_err());
        assert!(p.format_in_period("INV-20X6-{SEQ}", 7).is_err());
        assert!(p.format_in_period("OTHER-{SEQ}", 7).is_err());
    }

    #[test]
    fn leases_and_gaps() {
        let mut counter = SeriesCounter::new("INV-2025-{SEQ}".into());
        assert_eq!(counter.take().unwrap(), 1);
        let block = counter.lease(5).unwrap();
        assert_eq!((block.first, block.last, block.len()), (2, 6, 5));
        assert_eq!(counter.take().unwrap(), 7);
        assert!(counter.lease(0).is_err());
        assert!(counter.lease(MAX_BLOCK + 1).is_err());

        let mut usage = BlockUsage::new(block);
        assert_eq!(usage.issue(), Some(2));
        assert_eq!(usage.issue(), Some(3));
        assert_eq!(usage.remaining(), 3);
        assert_eq!(usage.gaps(), vec![4..=6]);
        assert!(usage.record(3).is_err(), "a number used twice is refused");
        assert!(usage.record(7).is_err(), "a number outside the block is refused");
        usage.record(5).unwrap();
        assert_eq!(usage.gaps(), vec![4..=4, 6..=6]);
        assert_eq!(usage.issue(), Some(6));
        assert_eq!(usage.issue(), None);
        let mut exhausted = SeriesCounter { period: String::new(), next: u64::MAX };
        assert!(exhausted.lease(2).is_err());
        assert!(SeriesCounter { period: String::new(), next: 0 }.take().is_err(), "no sequence 0");
        for (first, last) in [(0, 3), (5, 3), (1, u64::MAX)] {
            assert!(NumberBlock::new("P".into(), first, last).is_err(), "{first}..={last}");
        }
        let bad: std::result::Result<NumberBlock, _> = serde_json::from_str(r#"{"period":"P","first":5,"last":3}"#);
        assert!(bad.is_err(), "a stored block is checked when read back");
        let p = NumberPattern::parse("INV-{YYYY}-{SEQ}").unwrap();
        assert!(p.format(date(10000, 1, 1), 1).is_err());
    }

    proptest! {
        #[test]
        fn numbers_are_never_handed_out_twice(sizes in proptest::collection::vec(0u64..50, 1..40)) {
            let mut counter = SeriesCounter::new("P".into());
            let mut seen = BTreeSet::new();
            for size in sizes {
                let range = if size == 0 { let n = counter.take().unwrap(); n..=n } else {
                    let b = counter.lease(size).unwrap(); b.first..=b.last
                };
                for n in range { prop_assert!(seen.insert(n), "{} handed out twice", n); }
            }
            // Gapless: everything from 1 up to next-1 was handed out exactly once.
            prop_assert_eq!(seen.len() as u64, counter.next - 1);
        }

        #[test]
        fn used_and_gaps_partition_the_block(first in 1u64..1000, len in 1u64..200, picks in proptest::collection::vec(0u64..200, 0..60)) {
            let mut usage = BlockUsage::new(NumberBlock::new("P".into(), first, first + len - 1).unwrap());
            for p in picks { let _ = usage.record(first + p % len); }
            let mut all: Vec<u64> = usage.used.iter().copied().collect();
            for g in usage.gaps() { all.extend(g); }
            all.sort_unstable();
            prop_assert_eq!(all, (first..first + len).collect::<Vec<_>>());
        }

        #[test]
        fn format_then_parse_round_trips(seq in 1u64..10_000_000, y in 1990i32..2100, m in 1u32..13) {
            let p = NumberPattern::parse("INV-{YYYY}-{MM}-{SEQ:4}").unwrap();
            let d = date(y, m, 1);
            let n = p.format(d, seq).unwrap();
            prop_assert_eq!(p.parse_number(n.as_str()), Some(ParsedNumber { period: p.period(d), seq }));
        }
    }
}
