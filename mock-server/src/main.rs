//! `avara-mock`: runs the in-memory Avara API mock until killed.
//!
//! ```text
//! avara-mock [--port N] [--api-key KEY]... [--examples] [--seed FILE]
//!            [--webhook-url URL --webhook-secret whsec_...] [--operations] [--help]
//! ```

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

const USAGE: &str = "\
avara-mock: an in-memory mock of the Avara API, for testing clients

USAGE:
    avara-mock [--port N] [--api-key KEY]... [--examples] [--seed FILE]
               [--webhook-url URL --webhook-secret whsec_...]
    avara-mock --operations

OPTIONS:
    --port N         Port to listen on, on 127.0.0.1 (default 4010; 0 picks a free one)
    --api-key KEY    Accept KEY as an API key, besides any key starting with sk_test_
                     (repeatable; a key may contain spaces, e.g. \"My API Key\", but
                     not start or end with one)
    --examples       Start with every collection's documented example item loaded,
                     so that the ids of the spec's examples name something
    --operations     Print what the mock does for each operation, then exit
    --seed FILE      Fill collections before serving (after --examples), from a
                     JSON object whose keys
                     are collection paths and whose values are arrays of items,
                     e.g. {\"/v1/things\": [{\"name\": \"a\"}]}; items may give their
                     own id, the server sets what they leave out
    --webhook-url URL
                     Where POST /_mock/webhooks/{eventType} delivers webhook events
    --webhook-secret whsec_...
                     The Standard Webhooks key that signs them (`whsec_` followed
                     by base64; required with --webhook-url)
    -h, --help       Print this help and exit

Prints `avara-mock listening on <base URL>` once it accepts connections, then
serves until killed (or Ctrl-C). Faults: send the `x-avara-mock-fault` header
(rate-limit[=SECS], unavailable, drop, delay=MS, truncate) on a request, or
POST /_mock/faults with {\"fault\": \"<spec>\", \"count\": N} and the same API key.
Reset (test isolation): POST /_mock/reset with the same API key restores the
items loaded at startup (--examples, --seed), forgets idempotency keys and
disarms faults; it answers {\"items\": N}.
Webhooks: POST /_mock/webhooks/{eventType} with the same API key delivers the
event's documented example (or the event given as the JSON body) to
--webhook-url, signed per Standard Webhooks (webhook-id, webhook-timestamp,
webhook-signature) with --webhook-secret; a failed delivery (no answer or a
non-2xx status) is retried with exponential backoff, 3 attempts in all. It
answers {\"delivered\": true, \"attempts\": N, \"status\": 200, \"answer\": {...},
\"errors\": [...]}, the errors saying how the answer differs from the event's
answer schema; 404 for an unknown event type, 409 without --webhook-url.";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Operations,
    Serve {
        config: avara_mock::Config,
        examples: bool,
        seed: Option<std::path::PathBuf>,
    },
}

/// Why `key` cannot be an API key, if it cannot: the server compares the
/// bearer token, trimmed, with the keys it accepts, and a header carries
/// only visible ASCII and spaces.
fn check_api_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("--api-key: a key must not be empty".into());
    }
    if key.trim() != key {
        return Err(format!(
            "--api-key: `{key}` starts or ends with whitespace, which the bearer token loses"
        ));
    }
    if let Some(c) = key.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ')) {
        return Err(format!(
            "--api-key: `{}` has {c:?}; a key is visible ASCII and spaces",
            key.escape_debug()
        ));
    }
    Ok(())
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut port: u16 = 4010;
    let mut api_keys = Vec::new();
    let mut seed = None;
    let mut examples = false;
    let mut webhook_url = None;
    let mut webhook_secret = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--operations" => return Ok(Command::Operations),
            "--examples" => examples = true,
            "--port" => {
                let text = value("--port")?;
                port = text
                    .parse()
                    .map_err(|_| format!("--port: `{text}` is not a port number (0-65535)"))?;
            }
            "--api-key" => {
                let key = value("--api-key")?;
                check_api_key(&key)?;
                api_keys.push(key);
            }
            "--seed" => seed = Some(std::path::PathBuf::from(value("--seed")?)),
            "--webhook-url" => {
                let url = value("--webhook-url")?;
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!("--webhook-url: `{url}` is not an http(s) URL"));
                }
                webhook_url = Some(url);
            }
            "--webhook-secret" => {
                let secret = value("--webhook-secret")?;
                avara_mock::check_webhook_secret(&secret)
                    .map_err(|e| format!("--webhook-secret: {e}"))?;
                webhook_secret = Some(secret);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let webhooks = match (webhook_url, webhook_secret) {
        (Some(url), Some(secret)) => Some(avara_mock::WebhookConfig::new(url, secret)),
        (None, None) => None,
        (Some(_), None) => return Err("--webhook-url needs --webhook-secret whsec_...".into()),
        (None, Some(_)) => return Err("--webhook-secret needs --webhook-url URL".into()),
    };
    Ok(Command::Serve {
        config: avara_mock::Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            api_keys,
            webhooks,
        },
        examples,
        seed,
    })
}

fn main() -> ExitCode {
    let (config, examples, seed) = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Operations) => {
            for op in avara_mock::operations() {
                println!(
                    "{}\t{} {}\t{}\t{}",
                    op.id, op.method, op.path, op.status, op.behaviour
                );
            }
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve {
            config,
            examples,
            seed,
        }) => (config, examples, seed),
        Err(e) => {
            eprintln!("avara-mock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let seed = match seed.map(|path| read_seed(&path)).transpose() {
        Ok(seed) => seed,
        Err(e) => {
            eprintln!("avara-mock: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("avara-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match avara_mock::spawn_with(config.clone()).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("avara-mock: cannot listen on {}: {e}", config.addr);
                return ExitCode::FAILURE;
            }
        };
        if examples {
            match server.load_examples() {
                Ok(count) => eprintln!("avara-mock: loaded {count} example items"),
                Err(e) => {
                    eprintln!("avara-mock: --examples: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        if let Some(seed) = &seed {
            match server.seed_document(seed) {
                Ok(count) => eprintln!("avara-mock: seeded {count} items"),
                Err(e) => {
                    eprintln!("avara-mock: --seed: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        println!("avara-mock listening on {}", server.base_url());
        let _ = std::io::stdout().flush();
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("avara-mock: cannot wait for Ctrl-C: {e}");
            return ExitCode::FAILURE;
        }
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// The JSON document of a `--seed` file.
fn read_seed(path: &std::path::Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--seed: cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("--seed: {} is not JSON: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_to_port_4010_without_extra_keys() {
        let Ok(Command::Serve {
            config,
            examples,
            seed,
        }) = parse(&[])
        else {
            panic!("no arguments must serve");
        };
        assert_eq!(config.addr.port(), 4010);
        assert!(config.api_keys.is_empty());
        assert!(!examples);
        assert_eq!(seed, None);
    }

    #[test]
    fn reads_port_and_repeated_keys_in_both_spellings() {
        let Ok(Command::Serve {
            config,
            examples,
            seed,
        }) = parse(&[
            "--port",
            "0",
            "--api-key",
            "a",
            "--api-key=b",
            "--examples",
            "--seed",
            "s.json",
        ])
        else {
            panic!("valid arguments must serve");
        };
        assert_eq!(config.addr.port(), 0);
        assert_eq!(config.api_keys, ["a", "b"]);
        assert!(examples);
        assert_eq!(seed, Some("s.json".into()));
        let Ok(Command::Serve { config, .. }) = parse(&["--port=4555"]) else {
            panic!("--port=N must serve");
        };
        assert_eq!(config.addr.port(), 4555);
    }

    #[test]
    fn an_api_key_may_have_inner_spaces_as_the_official_sdk_tests_use() {
        // The official Python SDK's tests call the API with "My API Key".
        let Ok(Command::Serve { config, .. }) = parse(&["--api-key", "My API Key"]) else {
            panic!("a key with inner spaces must serve");
        };
        assert_eq!(config.api_keys, ["My API Key"]);
        for bad in [" key", "key ", "\tkey", "a\nb", "cl\u{e9}", "a\u{7f}b"] {
            let error = parse(&["--api-key", bad]).unwrap_err();
            assert!(error.starts_with("--api-key"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--api-key", ""]).is_err());
        assert_eq!(parse(&["--operations"]), Ok(Command::Operations));
        assert!(parse(&["--verbose"]).is_err());
        assert!(parse(&["--seed"]).is_err());
    }

    #[test]
    fn webhook_flags_need_each_other_and_a_valid_secret_never_shown() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let Ok(Command::Serve { config, .. }) = parse(&[
            "--webhook-url",
            "http://127.0.0.1:8080/webhooks/avara",
            "--webhook-secret",
            secret,
        ]) else {
            panic!("valid webhook flags must serve");
        };
        let webhooks = config.webhooks.clone().unwrap();
        assert_eq!(webhooks.url, "http://127.0.0.1:8080/webhooks/avara");
        assert_eq!(webhooks.attempts, avara_mock::DEFAULT_ATTEMPTS);
        assert!(!format!("{config:?}").contains("MfKQ9r8"));
        assert!(parse(&["--webhook-url", "http://x"]).is_err());
        assert!(parse(&["--webhook-secret", secret]).is_err());
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_",
            "whsec_!!not base64!!",
        ] {
            let error = parse(&["--webhook-url", "http://x", "--webhook-secret", bad]).unwrap_err();
            assert!(error.starts_with("--webhook-secret"), "{bad}: {error}");
            assert!(bad.len() < 8 || !error.contains(bad), "{error}");
        }
        assert!(parse(&["--webhook-url", "x", "--webhook-secret", secret]).is_err());
    }
}
