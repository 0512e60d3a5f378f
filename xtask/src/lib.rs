//! The workspace's build tasks: `cargo xtask codegen [--check]`, `spec-diff`
//! and `bench`.
//!
//! A library as well as a binary so that tests can run the generators in
//! memory on temporary specs.

pub mod bench;
pub mod cli_gen;
pub mod codegen;
pub mod growth_check;
pub mod mock_gen;
pub mod overlay;
pub mod sdk;
pub mod spec;
pub mod spec_diff;

use std::path::{Path, PathBuf};

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}
