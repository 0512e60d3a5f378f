//! `avara-mock`: runs the in-memory Avara API mock until killed.
//!
//! ```text
//! avara-mock [--port N] [--api-key KEY]... [--seed FILE] [--help]
//! ```

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

const USAGE: &str = "\
avara-mock: an in-memory mock of the Avara API, for testing clients

USAGE:
    avara-mock [--port N] [--api-key KEY]... [--seed FILE]

OPTIONS:
    --port N         Port to listen on, on 127.0.0.1 (default 4010; 0 picks a free one)
    --api-key KEY    Accept KEY as an API key, besides any key starting with sk_test_
                     (repeatable)
    --seed FILE      Fill collections before serving, from a JSON object whose keys
                     are collection paths and whose values are arrays of items,
                     e.g. {\"/v1/things\": [{\"name\": \"a\"}]}; items may give their
                     own id, the server sets what they leave out
    -h, --help       Print this help and exit

Prints `avara-mock listening on <base URL>` once it accepts connections, then
serves until killed (or Ctrl-C). Faults: send the `x-avara-mock-fault` header
(rate-limit[=SECS], unavailable, drop, delay=MS, truncate) on a request, or
POST /_mock/faults with {\"fault\": \"<spec>\", \"count\": N} and the same API key.";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Serve {
        config: avara_mock::Config,
        seed: Option<std::path::PathBuf>,
    },
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut port: u16 = 4010;
    let mut api_keys = Vec::new();
    let mut seed = None;
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
            "--port" => {
                let text = value("--port")?;
                port = text
                    .parse()
                    .map_err(|_| format!("--port: `{text}` is not a port number (0-65535)"))?;
            }
            "--api-key" => {
                let key = value("--api-key")?;
                if key.is_empty() || key.contains(char::is_whitespace) {
                    return Err("--api-key: a key must be non-empty, without spaces".into());
                }
                api_keys.push(key);
            }
            "--seed" => seed = Some(std::path::PathBuf::from(value("--seed")?)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Command::Serve {
        config: avara_mock::Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            api_keys,
        },
        seed,
    })
}

fn main() -> ExitCode {
    let (config, seed) = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve { config, seed }) => (config, seed),
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
        let Ok(Command::Serve { config, seed }) = parse(&[]) else {
            panic!("no arguments must serve");
        };
        assert_eq!(config.addr.port(), 4010);
        assert!(config.api_keys.is_empty());
        assert_eq!(seed, None);
    }

    #[test]
    fn reads_port_and_repeated_keys_in_both_spellings() {
        let Ok(Command::Serve { config, seed }) = parse(&[
            "--port",
            "0",
            "--api-key",
            "a",
            "--api-key=b",
            "--seed",
            "s.json",
        ]) else {
            panic!("valid arguments must serve");
        };
        assert_eq!(config.addr.port(), 0);
        assert_eq!(config.api_keys, ["a", "b"]);
        assert_eq!(seed, Some("s.json".into()));
        let Ok(Command::Serve { config, .. }) = parse(&["--port=4555"]) else {
            panic!("--port=N must serve");
        };
        assert_eq!(config.addr.port(), 4555);
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--api-key", ""]).is_err());
        assert!(parse(&["--verbose"]).is_err());
        assert!(parse(&["--seed"]).is_err());
    }
}
