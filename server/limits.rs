//! Allowances over a sliding window (bulk imports per organization and hour, confidentiality
//! terms per organization and day): from the times of the latest uses, whether one more may go
//! ahead now and, if not, when. The uses are rows in the database, so an allowance holds across
//! server processes; this is the rule, free of the query.

/// `latest`: the times (Unix seconds) of the uses within the window, newest first, at most `limit`
/// of them. `None` when one more use is allowed; otherwise when the oldest of those `limit` uses
/// leaves the window, and one more is allowed again.
pub fn retry_at(latest: &[i64], limit: i64, window_secs: i64) -> Option<i64> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if latest.len() < limit {
        return None;
    }
    Some(latest.get(limit.checked_sub(1)?).map_or(0, |t| t + window_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowance_over_a_window() {
        assert_eq!(retry_at(&[], 2, 3600), None);
        assert_eq!(retry_at(&[500], 2, 3600), None);
        // Two uses, newest first: the older one leaves the hour at 100 + 3600.
        assert_eq!(retry_at(&[500, 100], 2, 3600), Some(3700));
        assert_eq!(retry_at(&[900, 500, 100], 2, 3600), Some(4100));
    }
}
