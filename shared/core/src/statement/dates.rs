//! Dates as banks print them. The format is chosen once per statement from its date column:
//! the first candidate that reads every sampled cell, with day-first and month-first told apart
//! by a day above 12 (day-first when nothing tells them apart).

use chrono::NaiveDate;

pub(crate) const FORMATS: [&str; 9] =
    ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d", "%d.%m.%y", "%m/%d/%y"];

/// The format every one of `cells` reads in, if any.
pub(crate) fn detect<'a>(cells: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'static str> {
    let fits = |f: &str| cells.clone().into_iter().all(|c| NaiveDate::parse_from_str(c.trim(), f).is_ok());
    FORMATS.into_iter().find(|f| fits(f))
}

/// Reads one date; ISO dates (most files) without the general parser.
pub(crate) fn parse(cell: &str, format: &str) -> Result<NaiveDate, String> {
    let s = cell.trim();
    if format == "%Y-%m-%d"
        && let (Some(y), Some(m), Some(d)) = (s.get(..4), s.get(5..7), s.get(8..10))
        && s.len() == 10
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse())
    {
        return NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("{s:?} is not a date"));
    }
    NaiveDate::parse_from_str(s, format)
        .map_err(|_| format!("{s:?} is not a date in the statement's format ({format})"))
}

/// `YYYYMMDD`, `YYMMDD` (20YY) or `YYYY-MM-DD` at the start of `s`, read digit by digit: the
/// markup formats' dates, without the general parser (which is most of their parsing time).
pub(crate) fn compact(s: &str, layout: Layout) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0_u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let (y, m, d) = match layout {
        Layout::Yyyymmdd => (i32::try_from(num(0, 4)?).ok()?, num(4, 6)?, num(6, 8)?),
        Layout::Yymmdd => (2000 + i32::try_from(num(0, 2)?).ok()?, num(2, 4)?, num(4, 6)?),
        Layout::Iso => {
            if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
                return None;
            }
            (i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)
        }
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

#[derive(Clone, Copy)]
pub(crate) enum Layout {
    Yyyymmdd,
    Yymmdd,
    Iso,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_day_first_from_month_first_by_the_days() {
        assert_eq!(detect(["2026-12-07", "2026-01-31"]), Some("%Y-%m-%d"));
        assert_eq!(detect(["07.12.2026", "31.01.2026"]), Some("%d.%m.%Y"));
        assert_eq!(detect(["25/12/2026", "01/02/2026"]), Some("%d/%m/%Y"));
        assert_eq!(detect(["12/25/2026", "01/02/2026"]), Some("%m/%d/%Y"));
        assert_eq!(detect(["01/02/2026"]), Some("%d/%m/%Y"), "nothing tells: day first");
        assert_eq!(detect(["2026-12-07", "yesterday"]), None);
    }

    #[test]
    fn compact_dates() {
        assert_eq!(
            compact("20261207120000[-5:EST]", Layout::Yyyymmdd).map(|d| d.to_string()).as_deref(),
            Some("2026-12-07")
        );
        assert_eq!(compact("2612071207C1,00", Layout::Yymmdd).map(|d| d.to_string()).as_deref(), Some("2026-12-07"));
        assert_eq!(compact("2026-12-07T10:00:00", Layout::Iso).map(|d| d.to_string()).as_deref(), Some("2026-12-07"));
        for (bad, layout) in [("2026130", Layout::Yyyymmdd), ("261232", Layout::Yymmdd), ("2026/12/07", Layout::Iso)] {
            assert_eq!(compact(bad, layout), None, "{bad}");
        }
    }

    #[test]
    fn reads_and_refuses() {
        assert_eq!(parse(" 2026-02-28 ", "%Y-%m-%d").unwrap().to_string(), "2026-02-28");
        assert!(parse("2026-02-30", "%Y-%m-%d").is_err());
        assert_eq!(parse("07.12.2026", "%d.%m.%Y").unwrap().to_string(), "2026-12-07");
        assert!(parse("7 Dec", "%d.%m.%Y").is_err());
    }
}
