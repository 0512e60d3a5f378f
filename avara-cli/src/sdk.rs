//! What progenitor's generated CLI code expects at its crate path
//! (`use crate::sdk::*;`): the client, its types and builders, plus what the
//! generated glue of `xtask/src/cli_gen.rs` calls.

pub use avara::{Client, builder, types};

pub use crate::output::Sink;

/// Why running an operation failed.
#[derive(Debug)]
pub enum ExecError {
    /// The arguments could not be turned into a request (an unreadable
    /// `--json-body` file, an invalid `KEY=VALUE` map argument).
    Args(anyhow::Error),
    /// The SDK call failed: the API answered with an error, the network
    /// failed, or the SDK refused to send an invalid request.
    Api(avara::Error),
    /// A response could not be encoded for output.
    Encode(serde_json::Error),
}

/// Parses one `KEY=VALUE` argument.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, found `{s}`")),
    }
}

/// `KEY=VALUE` pairs as a JSON object (a later pair wins over an earlier one).
pub fn key_values_json<'a>(pairs: impl Iterator<Item = &'a (String, String)>) -> serde_json::Value {
    serde_json::Value::Object(
        pairs
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}
