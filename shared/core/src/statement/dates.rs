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
    fn reads_and_refuses() {
        assert_eq!(parse(" 2026-02-28 ", "%Y-%m-%d").unwrap().to_string(), "2026-02-28");
        assert!(parse("2026-02-30", "%Y-%m-%d").is_err());
        assert_eq!(parse("07.12.2026", "%d.%m.%Y").unwrap().to_string(), "2026-12-07");
        assert!(parse("7 Dec", "%d.%m.%Y").is_err());
    }
}
