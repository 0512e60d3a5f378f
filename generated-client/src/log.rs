//! `AVARA_LOG`: the SDK's own tracing output on stderr, for a program that
//! has no tracing subscriber of its own (as the official SDKs' `AVARA_LOG`).
//!
//! The SDK never installs a global subscriber (that would make the
//! program's own `set_global_default` fail later). Instead each call, while
//! no global subscriber is set, runs under a subscriber of the SDK's that
//! writes the `avara` events at or above the level to stderr, and nothing of
//! other crates. Once the program sets a global subscriber, every call
//! reports to it, whatever `AVARA_LOG` says.

use std::sync::OnceLock;

use tracing::Dispatch;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;

/// The environment variable that turns the SDK's own logging on.
pub const LOG_ENV: &str = "AVARA_LOG";

/// The level `AVARA_LOG` names: `debug`, `info`, `warn`, `error` or `off`
/// (any case; anything else is ignored, as unset).
pub(crate) fn level(value: &str) -> Option<LevelFilter> {
    match value.trim().to_ascii_lowercase().as_str() {
        "debug" => Some(LevelFilter::DEBUG),
        "info" => Some(LevelFilter::INFO),
        "warn" | "warning" => Some(LevelFilter::WARN),
        "error" => Some(LevelFilter::ERROR),
        "off" => Some(LevelFilter::OFF),
        _ => None,
    }
}

/// The SDK's stderr subscriber when `AVARA_LOG` asks for one and the
/// program has set no global subscriber; `AVARA_LOG` is read once.
pub(crate) fn own_dispatch() -> Option<&'static Dispatch> {
    static DISPATCH: OnceLock<Option<Dispatch>> = OnceLock::new();
    if tracing::dispatcher::has_been_set() {
        return None;
    }
    DISPATCH
        .get_or_init(|| {
            let level = std::env::var(LOG_ENV).ok().as_deref().and_then(level)?;
            if level == LevelFilter::OFF {
                return None;
            }
            let subscriber = tracing_subscriber::registry()
                .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
                .with(Targets::new().with_target("avara", level));
            Some(Dispatch::new(subscriber))
        })
        .as_ref()
}
