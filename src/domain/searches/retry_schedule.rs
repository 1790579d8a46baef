//! Delay lists such as `SEARCH_RETRY_SCHEDULE` (`1h,6h,1d,3d,7d,30d`).

use std::time::Duration;

/// Parses comma-separated numbers with a unit `s`, `m`, `h` or `d`.
/// `None` when the list is empty or any entry is not of that form.
pub fn parse_delays(text: &str) -> Option<Vec<Duration>> {
    let delays: Option<Vec<Duration>> = text
        .split(',')
        .map(|part| parse_delay(part.trim()))
        .collect();
    delays.filter(|d| !d.is_empty())
}

fn parse_delay(part: &str) -> Option<Duration> {
    let unit = part.chars().last()?;
    let seconds_per_unit = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86_400.0,
        _ => return None,
    };
    let number: f64 = part[..part.len() - 1].trim().parse().ok()?;
    (number.is_finite() && number >= 0.0)
        .then(|| Duration::try_from_secs_f64(number * seconds_per_unit).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_default_schedule() {
        let d = parse_delays("1h,6h,1d,3d,7d,30d").unwrap();
        let secs: Vec<u64> = d.iter().map(Duration::as_secs).collect();
        assert_eq!(
            secs,
            vec![3600, 21_600, 86_400, 259_200, 604_800, 2_592_000]
        );
    }

    #[test]
    fn accepts_decimals_and_spaces() {
        let d = parse_delays(" 0.5s , 2m").unwrap();
        assert_eq!(
            d,
            vec![Duration::from_millis(500), Duration::from_secs(120)]
        );
    }

    #[test]
    fn refuses_bad_entries() {
        for bad in ["", "1", "1w", "h", "-1h", "1h,,2h", "abc"] {
            assert_eq!(parse_delays(bad), None, "{bad}");
        }
    }
}
