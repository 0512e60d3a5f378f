//! Fault injection: what a fault is, how it is written, and the queue of
//! armed faults.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// The request header that injects a fault into that one request; its
/// value is a fault spec (see [`Fault::parse`]).
pub const FAULT_HEADER: &str = "x-avara-mock-fault";

/// The longest delay a fault may ask for, so that a typo cannot hang a test.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// A failure that the server simulates instead of (or on top of) its
/// normal answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with `Retry-After: <retry_after_secs>`, without handling
    /// the request.
    RateLimit {
        /// The value of the `Retry-After` header, in seconds.
        retry_after_secs: u32,
    },
    /// Answer 503 without handling the request.
    Unavailable,
    /// Handle the request (a create is applied), then close the connection
    /// without sending any response: a response lost in transit.
    DropConnection,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Handle the request, then send its status, headers and full
    /// `content-length` but only the first half of the body, and close the
    /// connection.
    TruncatedBody,
}

impl Fault {
    /// Parses a fault spec, as taken by the [`FAULT_HEADER`] header and the
    /// `/_mock/faults` route:
    ///
    /// | spec              | fault                                   |
    /// | ----------------- | --------------------------------------- |
    /// | `rate-limit`      | `RateLimit { retry_after_secs: 1 }`     |
    /// | `rate-limit=SECS` | `RateLimit { retry_after_secs: SECS }`  |
    /// | `unavailable`     | `Unavailable`                           |
    /// | `drop`            | `DropConnection`                        |
    /// | `delay=MS`        | `Delay` of `MS` milliseconds (≤ 60,000) |
    /// | `truncate`        | `TruncatedBody`                         |
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let spec = spec.trim();
        let (name, arg) = match spec.split_once('=') {
            Some((name, arg)) => (name.trim(), Some(arg.trim())),
            None => (spec, None),
        };
        let number = |arg: &str| {
            arg.parse::<u32>()
                .map_err(|_| format!("`{arg}` is not a non-negative integer"))
        };
        match (name, arg) {
            ("rate-limit", None) => Ok(Fault::RateLimit {
                retry_after_secs: 1,
            }),
            ("rate-limit", Some(secs)) => Ok(Fault::RateLimit {
                retry_after_secs: number(secs)?,
            }),
            ("unavailable", None) => Ok(Fault::Unavailable),
            ("drop", None) => Ok(Fault::DropConnection),
            ("truncate", None) => Ok(Fault::TruncatedBody),
            ("delay", Some(ms)) => {
                let delay = Duration::from_millis(u64::from(number(ms)?));
                if delay > MAX_DELAY {
                    return Err(format!("delay {ms} ms is over the limit of 60000 ms"));
                }
                Ok(Fault::Delay(delay))
            }
            ("delay", None) => Err("`delay` needs a value in milliseconds: `delay=MS`".into()),
            ("unavailable" | "drop" | "truncate", Some(_)) => {
                Err(format!("`{name}` takes no value"))
            }
            _ => Err(format!(
                "unknown fault `{spec}`; expected rate-limit[=SECS], unavailable, drop, \
                 delay=MS or truncate"
            )),
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Fault::parse(spec)
    }
}

impl fmt::Display for Fault {
    /// The spec that [`Fault::parse`] reads back (a delay is rounded down
    /// to whole milliseconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::RateLimit { retry_after_secs } => write!(f, "rate-limit={retry_after_secs}"),
            Fault::Unavailable => f.write_str("unavailable"),
            Fault::DropConnection => f.write_str("drop"),
            Fault::Delay(d) => write!(f, "delay={}", d.as_millis()),
            Fault::TruncatedBody => f.write_str("truncate"),
        }
    }
}

/// The faults armed for the next requests, in order.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue(Mutex<VecDeque<Fault>>);

impl FaultQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Fault>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn inject(&self, fault: Fault, count: usize) {
        self.lock().extend(std::iter::repeat_n(fault, count));
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn pending(&self) -> usize {
        self.lock().len()
    }

    /// The fault for the request now arriving, if one is armed.
    pub(crate) fn take(&self) -> Option<Fault> {
        self.lock().pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for fault in [
            Fault::RateLimit {
                retry_after_secs: 3,
            },
            Fault::Unavailable,
            Fault::DropConnection,
            Fault::Delay(Duration::from_millis(250)),
            Fault::TruncatedBody,
        ] {
            assert_eq!(Fault::parse(&fault.to_string()), Ok(fault));
        }
        assert_eq!(
            Fault::parse(" rate-limit "),
            Ok(Fault::RateLimit {
                retry_after_secs: 1
            })
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        for spec in [
            "",
            "boom",
            "delay",
            "delay=-1",
            "delay=abc",
            "delay=60001",
            "rate-limit=x",
            "drop=1",
        ] {
            assert!(Fault::parse(spec).is_err(), "{spec:?} parsed");
        }
    }

    #[test]
    fn queue_hands_out_faults_in_order() {
        let queue = FaultQueue::default();
        queue.inject(Fault::Unavailable, 2);
        queue.inject(Fault::TruncatedBody, 1);
        assert_eq!(queue.pending(), 3);
        assert_eq!(queue.take(), Some(Fault::Unavailable));
        assert_eq!(queue.take(), Some(Fault::Unavailable));
        assert_eq!(queue.take(), Some(Fault::TruncatedBody));
        assert_eq!(queue.take(), None);
        queue.inject(Fault::DropConnection, 5);
        queue.clear();
        assert_eq!(queue.take(), None);
    }
}
