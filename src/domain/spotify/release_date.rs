//! Spotify release dates come with a precision (`day`, `month`, `year`).
//! The contract's rule (`api.md` §13 "Watchlist dates"): a release counts
//! when its date, at its precision, may fall on a day from the UTC date of
//! `last_checked` to today (UTC) — a day within that span, a month or a year
//! that overlaps it and has begun by today.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseDate {
    /// The first and last day the release may have come out on.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

impl ReleaseDate {
    /// `("2026-03", "month")` → March 2026. An unknown precision is read from
    /// the shape of the date; an unreadable date is `None`.
    pub fn parse(date: &str, precision: &str) -> Option<ReleaseDate> {
        let parts: Vec<&str> = date.trim().split('-').collect();
        let number = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
        let year = i32::try_from(number(0)?).ok()?;
        let level = match precision {
            "day" => 3,
            "month" => 2,
            "year" => 1,
            _ => parts.len().min(3),
        };
        match level {
            3 => {
                let day = NaiveDate::from_ymd_opt(year, number(1)?, number(2)?)?;
                Some(ReleaseDate {
                    first_day: day,
                    last_day: day,
                })
            }
            2 => {
                let month = number(1)?;
                let first_day = NaiveDate::from_ymd_opt(year, month, 1)?;
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)?
                };
                Some(ReleaseDate {
                    first_day,
                    last_day: next.pred_opt()?,
                })
            }
            _ => Some(ReleaseDate {
                first_day: NaiveDate::from_ymd_opt(year, 1, 1)?,
                last_day: NaiveDate::from_ymd_opt(year, 12, 31)?,
            }),
        }
    }

    /// Counts for a check whose previous success was on `last_checked`:
    /// it may be dated that day or later (the day of a check counts, since
    /// Spotify gives no time of day), and it is not in the future.
    pub fn is_new(&self, last_checked: NaiveDate, today: NaiveDate) -> bool {
        self.last_day >= last_checked && self.first_day <= today
    }

    pub fn year(&self) -> i32 {
        self.first_day.year()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_each_precision() {
        let d = ReleaseDate::parse("2026-03-05", "day").unwrap();
        assert_eq!(
            (d.first_day, d.last_day),
            (day(2026, 3, 5), day(2026, 3, 5))
        );
        let m = ReleaseDate::parse("2024-02", "month").unwrap();
        assert_eq!(
            (m.first_day, m.last_day),
            (day(2024, 2, 1), day(2024, 2, 29))
        );
        let dec = ReleaseDate::parse("2025-12", "month").unwrap();
        assert_eq!(dec.last_day, day(2025, 12, 31));
        let y = ReleaseDate::parse("1999", "year").unwrap();
        assert_eq!(
            (y.first_day, y.last_day),
            (day(1999, 1, 1), day(1999, 12, 31))
        );
        assert_eq!(y.year(), 1999);
        // Precision missing: read from the shape.
        assert_eq!(
            ReleaseDate::parse("2001-07", ""),
            ReleaseDate::parse("2001-07", "month")
        );
        for bad in ["", "abc", "2026-13", "2026-02-30", "2026-02-xx"] {
            assert_eq!(ReleaseDate::parse(bad, "day"), None, "{bad}");
        }
        assert_eq!(ReleaseDate::parse("2026-13", "month"), None);
    }

    #[test]
    fn day_precision_boundaries() {
        let (checked, today) = (day(2026, 11, 10), day(2026, 11, 21));
        let new = |d: &str| ReleaseDate::parse(d, "day").unwrap().is_new(checked, today);
        assert!(!new("2026-11-09"), "the day before the last check");
        assert!(new("2026-11-10"), "the day of the last check");
        assert!(new("2026-11-21"), "today");
        assert!(!new("2026-11-22"), "tomorrow is in the future");
    }

    #[test]
    fn month_and_year_precision_count_while_they_may_be_new() {
        let (checked, today) = (day(2026, 11, 10), day(2026, 11, 21));
        let new = |d: &str, p: &str| ReleaseDate::parse(d, p).unwrap().is_new(checked, today);
        assert!(new("2026-11", "month"), "may be after the check");
        assert!(!new("2026-10", "month"), "over before the check");
        assert!(!new("2026-12", "month"), "not begun yet");
        assert!(new("2026", "year"));
        assert!(!new("2025", "year"));
        assert!(!new("2027", "year"));
    }

    fn is_new(date: &str, precision: &str, checked: NaiveDate, today: NaiveDate) -> bool {
        ReleaseDate::parse(date, precision)
            .unwrap()
            .is_new(checked, today)
    }

    #[test]
    fn months_and_years_overlapping_a_span_across_new_year_count() {
        // Last checked on 30 December, today is 2 January.
        let (checked, today) = (day(2025, 12, 30), day(2026, 1, 2));
        let new = |d: &str, p: &str| is_new(d, p, checked, today);
        assert!(!new("2025-12-29", "day"));
        assert!(new("2025-12-30", "day"));
        assert!(new("2026-01-02", "day"));
        assert!(!new("2026-01-03", "day"));
        assert!(new("2025-12", "month"), "December overlaps 30–31 December");
        assert!(new("2026-01", "month"), "January has begun by today");
        assert!(!new("2025-11", "month"), "over before the last check");
        assert!(!new("2026-02", "month"), "not begun by today");
        assert!(new("2025", "year"), "2025 overlaps its last two days");
        assert!(new("2026", "year"), "2026 has begun by today");
        assert!(!new("2024", "year"));
        assert!(!new("2027", "year"));
    }

    #[test]
    fn the_edges_of_the_span_count_on_both_sides() {
        // A month that ends on the day of the last check, one that begins today.
        let (checked, today) = (day(2026, 3, 31), day(2026, 5, 1));
        let new = |d: &str, p: &str| is_new(d, p, checked, today);
        assert!(
            new("2026-03", "month"),
            "its last day is the day of the check"
        );
        assert!(new("2026-04", "month"), "inside the span");
        assert!(new("2026-05", "month"), "begins today");
        assert!(!new("2026-02", "month"), "ends before the day of the check");
        assert!(!new("2026-06", "month"));
        // A year that ends the day before the check does not count.
        let (checked, today) = (day(2026, 1, 1), day(2026, 1, 1));
        assert!(!is_new("2025", "year", checked, today));
        assert!(is_new("2026", "year", checked, today), "begins today");
        assert!(is_new("2026-01", "month", checked, today));
        assert!(is_new("2026-01-01", "day", checked, today));
        assert!(!is_new("2025-12-31", "day", checked, today));
    }

    #[test]
    fn a_check_on_the_same_day_still_takes_that_day() {
        let today = day(2026, 7, 15);
        let new = |d: &str, p: &str| is_new(d, p, today, today);
        assert!(new("2026-07-15", "day"));
        assert!(new("2026-07", "month"));
        assert!(new("2026", "year"));
        assert!(!new("2026-07-14", "day"));
        assert!(!new("2026-07-16", "day"));
        assert!(!new("2026-06", "month"));
        assert!(!new("2026-08", "month"));
    }
}
