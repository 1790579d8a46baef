//! Spotify release dates come with a precision (`day`, `month`, `year`).
//! A watched artist's release is new when it may have come out on or after
//! the day of the last successful check, and has come out by today.

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
}
