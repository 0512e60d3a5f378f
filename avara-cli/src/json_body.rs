//! `--json-body FILE`: a request body read from a file, with a bounded read,
//! and the rule by which it combines with the body's field flags.
//!
//! The rule: the file is the starting body; every field flag given beside
//! it (one per property of the spec's body) replaces that whole field of the
//! file's body. A map flag (`--NAME KEY=VALUE`, repeated) replaces the file's
//! map; it does not merge into it. The generated
//! `request_<op>` functions apply the file first and the flags after it.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

/// The largest `--json-body` file read, in bytes: far above any body the
/// API takes, and small enough that `--json-body /dev/zero` fails at once.
pub const LIMIT: u64 = 1024 * 1024;

/// The short help of `--json-body`.
pub const HELP: &str =
    "A file with the JSON request body; field flags given beside it replace those fields";

/// The long help of `--json-body`.
pub const LONG_HELP: &str = "A file with the JSON request body (at most 1 MiB), a complete body on its own.\n\n\
Field flags given beside it replace those fields of the file's body, field by field: \
`--json-body body.json --some-field X` sends the file's body with that field set to X. \
A map flag (`--NAME KEY=VALUE`, repeated) replaces the file's whole map; it does not merge into it.";

/// Reads and parses the body in `path`, refusing a file larger than
/// [`LIMIT`]; errors name the file (and the line and column of bad JSON).
pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read --json-body {}", path.display()))?;
    let mut text = Vec::new();
    file.take(LIMIT + 1)
        .read_to_end(&mut text)
        .with_context(|| format!("cannot read --json-body {}", path.display()))?;
    if text.len() as u64 > LIMIT {
        bail!(
            "--json-body {}: larger than {} bytes (1 MiB), the limit of a request body file",
            path.display(),
            LIMIT
        );
    }
    serde_json::from_slice(&text)
        .with_context(|| format!("--json-body {}: not a valid request body", path.display()))
}
