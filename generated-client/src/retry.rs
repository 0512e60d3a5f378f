//! When to retry and how long to wait, following the Stainless SDKs.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The longest server-requested delay the SDK honours; a longer one falls
/// back to exponential backoff.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// Whether a response with this status is retried (408, 409, 429, 5xx).
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// Whether a response is retried: `x-should-retry: true|false` overrides the
/// status rule.
pub fn should_retry(status: StatusCode, headers: &HeaderMap) -> bool {
    match headers
        .get("x-should-retry")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        _ => is_retryable_status(status),
    }
}

/// Backoff settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The delay before the first retry, before jitter.
    pub initial: Duration,
    /// The longest delay between two attempts, before jitter.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    /// The delay before retry number `retries_so_far + 1`:
    /// `min(initial · 2^n, max)` minus up to 25 % jitter, unless the server
    /// asked for a delay in `retry-after-ms` or `Retry-After` (seconds or an
    /// HTTP date) of more than 0 and at most [`MAX_SERVER_DELAY`].
    pub fn delay(&self, retries_so_far: u32, headers: Option<&HeaderMap>, jitter: f64) -> Duration {
        if let Some(requested) = headers.and_then(server_requested_delay) {
            return requested;
        }
        let exponential = self
            .initial
            .saturating_mul(2u32.saturating_pow(retries_so_far.min(31)));
        let base = exponential.min(self.max);
        base.mul_f64(1.0 - 0.25 * jitter.clamp(0.0, 1.0))
    }
}

/// The delay the server asked for, if it is within (0, 60 s].
pub fn server_requested_delay(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let in_range = |d: Duration| (!d.is_zero() && d <= MAX_SERVER_DELAY).then_some(d);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms > 0.0
    {
        return in_range(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        if !seconds.is_finite() || seconds <= 0.0 {
            return None;
        }
        return in_range(Duration::from_secs_f64(seconds.min(1e9)));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let when: SystemTime = date.into();
    in_range(when.duration_since(SystemTime::now()).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn status_rules() {
        for code in [408, 409, 429, 500, 502, 503, 504, 599] {
            assert!(
                is_retryable_status(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
        for code in [200, 201, 400, 401, 403, 404, 422, 301] {
            assert!(
                !is_retryable_status(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
    }

    #[test]
    fn should_retry_header_overrides_status() {
        assert!(should_retry(
            StatusCode::BAD_REQUEST,
            &headers(&[("x-should-retry", "true")])
        ));
        assert!(!should_retry(
            StatusCode::SERVICE_UNAVAILABLE,
            &headers(&[("x-should-retry", "false")])
        ));
        assert!(should_retry(
            StatusCode::SERVICE_UNAVAILABLE,
            &headers(&[("x-should-retry", "maybe")])
        ));
    }

    #[test]
    fn exponential_backoff_with_cap_and_jitter() {
        let b = Backoff::default();
        assert_eq!(b.delay(0, None, 0.0), Duration::from_millis(500));
        assert_eq!(b.delay(1, None, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(3, None, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay(4, None, 0.0), Duration::from_secs(8));
        assert_eq!(b.delay(40, None, 0.0), Duration::from_secs(8));
        assert_eq!(b.delay(0, None, 1.0), Duration::from_millis(375));
        let jittered = b.delay(2, None, 0.5);
        assert!(jittered < Duration::from_secs(2) && jittered >= Duration::from_millis(1500));
    }

    #[test]
    fn server_delays_win_only_within_sixty_seconds() {
        let b = Backoff::default();
        assert_eq!(
            b.delay(0, Some(&headers(&[("retry-after-ms", "1500")])), 0.0),
            Duration::from_millis(1500)
        );
        assert_eq!(
            b.delay(0, Some(&headers(&[("retry-after", "2")])), 0.0),
            Duration::from_secs(2)
        );
        // retry-after-ms wins over Retry-After.
        assert_eq!(
            b.delay(
                0,
                Some(&headers(&[
                    ("retry-after-ms", "100"),
                    ("retry-after", "30")
                ])),
                0.0
            ),
            Duration::from_millis(100)
        );
        // Too long, zero, negative or garbage: exponential backoff instead.
        for bad in ["3600", "0", "-1", "soon", "NaN"] {
            assert_eq!(
                b.delay(0, Some(&headers(&[("retry-after", bad)])), 0.0),
                Duration::from_millis(500),
                "{bad}"
            );
        }
        let in_ten = chrono::Utc::now() + chrono::Duration::seconds(10);
        let date = in_ten.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let d = b.delay(0, Some(&headers(&[("retry-after", &date)])), 0.0);
        assert!(
            d > Duration::from_secs(7) && d <= Duration::from_secs(10),
            "{d:?}"
        );
        let past = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(
            b.delay(0, Some(&headers(&[("retry-after", past)])), 0.0),
            Duration::from_millis(500)
        );
    }
}
