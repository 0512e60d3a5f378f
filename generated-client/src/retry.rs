//! When to retry and how long to wait, following the Stainless SDKs.
//!
//! Every value here comes from a response header that the server controls,
//! so every parse is total: a value that is garbage, negative, not finite or
//! too large for a [`Duration`] is read as "no usable value", never a panic.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The longest server-requested delay the SDK waits. A response that asks
/// for more (in `retry-after-ms` or `Retry-After`) is not retried: its error
/// is returned at once, with the requested delay in
/// [`Error::retry_after`](crate::Error::retry_after), because retrying sooner
/// than the server asked would most likely be refused again.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// Whether a response with this status is retried (408, 409, 429, 5xx).
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// Whether a response is retried: a success never is; otherwise
/// `x-should-retry: true|false` overrides the status rule.
pub fn should_retry(status: StatusCode, headers: &HeaderMap) -> bool {
    if status.is_success() {
        return false;
    }
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

/// What to do after a retryable failure, before counting retries left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextAttempt {
    /// Wait this long, then try again.
    After(Duration),
    /// The server asked for a longer wait than [`MAX_SERVER_DELAY`]: do not
    /// retry. Holds what it asked for (saturated at [`Duration::MAX`]).
    TooLong(Duration),
}

impl Backoff {
    /// The delay before retry number `retries_so_far + 1`:
    /// the server's `retry-after-ms` or `Retry-After` (seconds or an HTTP
    /// date) when it asks for more than 0 and at most [`MAX_SERVER_DELAY`];
    /// [`NextAttempt::TooLong`] when it asks for more; otherwise
    /// `min(initial · 2^n, max)` minus up to 25 % jitter.
    pub fn next_attempt(
        &self,
        retries_so_far: u32,
        headers: Option<&HeaderMap>,
        jitter: f64,
    ) -> NextAttempt {
        match headers.and_then(server_requested_delay) {
            Some(requested) if requested > MAX_SERVER_DELAY => NextAttempt::TooLong(requested),
            Some(requested) => NextAttempt::After(requested),
            None => NextAttempt::After(self.backoff(retries_so_far, jitter)),
        }
    }

    /// The exponential backoff alone: `min(initial · 2^n, max)` minus up to
    /// 25 % jitter (`jitter` in 0..=1; anything else is clamped, NaN is 0).
    pub fn backoff(&self, retries_so_far: u32, jitter: f64) -> Duration {
        let exponential = self
            .initial
            .saturating_mul(2u32.saturating_pow(retries_so_far.min(31)));
        let base = exponential.min(self.max);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        base.mul_f64(1.0 - 0.25 * jitter)
    }
}

/// The delay the server asked for, if it asked for a positive one:
/// `retry-after-ms` (milliseconds, a decimal number) wins over
/// `Retry-After` (seconds, or an HTTP date in the future). A value too large
/// for a [`Duration`] saturates at [`Duration::MAX`]; a value that is absent,
/// not a number, not finite, zero, negative or a past date gives `None`.
pub fn server_requested_delay(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(delay) = header("retry-after-ms").and_then(|v| positive_seconds(v, 1000.0)) {
        return Some(delay);
    }
    let value = header("retry-after")?;
    if value.parse::<f64>().is_ok() {
        return positive_seconds(value, 1.0);
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    wait.to_std().ok().filter(|d| !d.is_zero())
}

/// `value` (a decimal number of `1/per_second` seconds) as a positive
/// duration, saturating at [`Duration::MAX`].
fn positive_seconds(value: &str, per_second: f64) -> Option<Duration> {
    let number = value.parse::<f64>().ok()?;
    if !number.is_finite() || number <= 0.0 {
        return None;
    }
    let seconds = number / per_second;
    Some(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)).filter(|d| !d.is_zero())
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

    fn after(b: &Backoff, pairs: &[(&'static str, &str)]) -> NextAttempt {
        b.next_attempt(0, Some(&headers(pairs)), 0.0)
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
    fn should_retry_header_overrides_the_status_of_a_failure_only() {
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
        for success in [200, 201, 204] {
            assert!(
                !should_retry(
                    StatusCode::from_u16(success).unwrap(),
                    &headers(&[("x-should-retry", "true")])
                ),
                "a {success} is kept, whatever x-should-retry says"
            );
        }
    }

    #[test]
    fn exponential_backoff_with_cap_and_jitter() {
        let b = Backoff::default();
        assert_eq!(b.backoff(0, 0.0), Duration::from_millis(500));
        assert_eq!(b.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(b.backoff(3, 0.0), Duration::from_secs(4));
        assert_eq!(b.backoff(4, 0.0), Duration::from_secs(8));
        assert_eq!(b.backoff(40, 0.0), Duration::from_secs(8));
        assert_eq!(b.backoff(0, 1.0), Duration::from_millis(375));
        assert_eq!(b.backoff(0, f64::NAN), Duration::from_millis(500));
        let jittered = b.backoff(2, 0.5);
        assert!(jittered < Duration::from_secs(2) && jittered >= Duration::from_millis(1500));
        assert_eq!(
            b.next_attempt(1, None, 0.0),
            NextAttempt::After(Duration::from_secs(1))
        );
    }

    #[test]
    fn server_delays_within_the_cap_win() {
        let b = Backoff::default();
        let wait = |d| NextAttempt::After(d);
        assert_eq!(
            after(&b, &[("retry-after-ms", "1500")]),
            wait(Duration::from_millis(1500))
        );
        assert_eq!(
            after(&b, &[("retry-after", "2")]),
            wait(Duration::from_secs(2))
        );
        assert_eq!(
            after(&b, &[("retry-after", "60")]),
            wait(Duration::from_secs(60))
        );
        // retry-after-ms wins over Retry-After.
        assert_eq!(
            after(&b, &[("retry-after-ms", "100"), ("retry-after", "30")]),
            wait(Duration::from_millis(100))
        );
        let in_ten = chrono::Utc::now() + chrono::Duration::seconds(10);
        let date = in_ten.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let NextAttempt::After(d) = after(&b, &[("retry-after", &date)]) else {
            panic!("a date ten seconds ahead is waited for");
        };
        assert!(
            d > Duration::from_secs(7) && d <= Duration::from_secs(10),
            "{d:?}"
        );
    }

    #[test]
    fn server_delays_above_the_cap_stop_the_retries() {
        let b = Backoff::default();
        assert_eq!(
            after(&b, &[("retry-after", "3600")]),
            NextAttempt::TooLong(Duration::from_secs(3600))
        );
        assert_eq!(
            after(&b, &[("retry-after-ms", "60001")]),
            NextAttempt::TooLong(Duration::from_millis(60001))
        );
        // Finite but too large for a Duration: saturates, never panics.
        for huge in ["1e23", "1e300", "184467440737095516160000"] {
            assert_eq!(
                after(&b, &[("retry-after-ms", huge)]),
                NextAttempt::TooLong(Duration::MAX),
                "{huge}"
            );
            assert_eq!(
                after(&b, &[("retry-after", huge)]),
                NextAttempt::TooLong(Duration::MAX),
                "{huge}"
            );
        }
        let next_year = chrono::Utc::now() + chrono::Duration::days(365);
        let date = next_year.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        assert!(matches!(
            after(&b, &[("retry-after", &date)]),
            NextAttempt::TooLong(_)
        ));
    }

    #[test]
    fn unusable_server_delays_fall_back_to_backoff() {
        let b = Backoff::default();
        let backoff = NextAttempt::After(Duration::from_millis(500));
        for bad in [
            "0", "-1", "-1e23", "soon", "NaN", "inf", "-inf", "infinity", "", "1e-12",
        ] {
            assert_eq!(after(&b, &[("retry-after", bad)]), backoff, "{bad}");
            assert_eq!(after(&b, &[("retry-after-ms", bad)]), backoff, "{bad}");
        }
        let past = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(after(&b, &[("retry-after", past)]), backoff);
        // A garbage retry-after-ms does not hide a usable Retry-After.
        assert_eq!(
            after(&b, &[("retry-after-ms", "x"), ("retry-after", "3")]),
            NextAttempt::After(Duration::from_secs(3))
        );
    }

    /// A header value the server could send: printable ASCII shaped like a
    /// number or date, or arbitrary bytes that HTTP allows in a value.
    fn arbitrary_value(rng: &mut fastrand::Rng) -> HeaderValue {
        let text = match rng.u8(0..8) {
            0 => rng.i64(..).to_string(),
            1 => format!("{:e}", f64::from_bits(rng.u64(..))),
            2 => format!("{}", rng.f64() * 10f64.powi(rng.i32(-30..310))),
            3 => ["true", "false", "TRUE", " true ", "1", "yes", ""][rng.usize(0..7)].to_string(),
            4 => {
                let when = chrono::Utc::now()
                    + chrono::Duration::seconds(rng.i64(-10_000_000_000..10_000_000_000));
                when.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
            }
            5 => format!("{}{}", rng.u64(..), ".5e400"),
            _ => {
                // Any bytes a header value may hold: visible ASCII, space,
                // tab and obs-text (0x80-0xFF).
                let len = rng.usize(0..40);
                let bytes: Vec<u8> = std::iter::repeat_with(|| {
                    loop {
                        let b = rng.u8(..);
                        if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 {
                            break b;
                        }
                    }
                })
                .take(len)
                .collect();
                return HeaderValue::from_bytes(&bytes).unwrap();
            }
        };
        HeaderValue::from_str(&text).unwrap()
    }

    #[test]
    fn arbitrary_header_values_never_panic_and_stay_in_bounds() {
        let mut rng = fastrand::Rng::with_seed(0x5eed_a7a4a);
        let b = Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(40),
        };
        for _ in 0..20_000 {
            let mut h = HeaderMap::new();
            for name in [
                "retry-after",
                "retry-after-ms",
                "x-should-retry",
                "x-request-id",
            ] {
                if rng.bool() {
                    h.insert(name, arbitrary_value(&mut rng));
                }
            }
            let status = StatusCode::from_u16(rng.u16(100..1000)).unwrap();
            let retry = should_retry(status, &h);
            assert!(!(retry && status.is_success()), "{status} {h:?}");
            let requested = server_requested_delay(&h);
            assert!(requested.is_none_or(|d| !d.is_zero()), "{h:?}");
            match b.next_attempt(rng.u32(..), Some(&h), rng.f64()) {
                NextAttempt::After(d) => assert!(
                    d <= MAX_SERVER_DELAY && (requested.is_some() || d <= b.max),
                    "{d:?} for {h:?}"
                ),
                NextAttempt::TooLong(d) => {
                    assert!(d > MAX_SERVER_DELAY, "{d:?} for {h:?}");
                    assert!(requested.is_some_and(|r| r > MAX_SERVER_DELAY), "{h:?}");
                }
            }
        }
    }
}
