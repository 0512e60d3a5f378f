//! `cargo xtask codegen`: spec → progenitor (+ our SDK glue) → prettyplease →
//! checked-in files, and the `--check` drift gate over the same output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use quote::quote;
use sha2::{Digest, Sha256};

use crate::progenitor_output::names::RustNames;
use crate::progenitor_output::{self, client::SetterTypes};
use crate::spec::{self, LoadedSpec};
use crate::{cli_gen, mock_gen, sdk};

/// Where the generated files go, relative to the workspace root.
pub const CLIENT_GENERATED: &str = "generated-client/src/generated.rs";
pub const CLIENT_SDK_GENERATED: &str = "generated-client/src/generated_sdk.rs";
/// progenitor's typed `httpmock` extension, the body of the `avara-httpmock` crate.
pub const HTTPMOCK_GENERATED: &str = "avara-httpmock/src/generated.rs";
/// progenitor's clap command set plus our glue, the heart of the `avara` CLI.
pub const CLI_GENERATED: &str = "avara-cli/src/generated.rs";
/// The table that drives `avara-mock`: its routes, validation and answers.
pub const MOCK_GENERATED: &str = "mock-server/src/generated.rs";
/// The crate path the httpmock extension is generated against.
pub const HTTPMOCK_CRATE_PATH: &str = "avara";
/// The module of `avara-cli` that re-exports what progenitor's CLI code
/// expects at its crate path (`Client`, `types`, `builder`, progenitor's
/// `Error<T>` and `ResponseValue`); `avara` itself exports its own `Error`.
pub const CLI_CRATE_PATH: &str = "crate::sdk";
/// The spec, relative to the workspace root.
pub const SPEC: &str = "spec/openapi.yaml";

/// One generated file: its path relative to the workspace root and its text.
pub struct GeneratedFile {
    pub relative_path: &'static str,
    pub contents: String,
}

/// Everything one run of the generators produced, held in memory.
pub struct Generated {
    pub files: Vec<GeneratedFile>,
    pub operations: usize,
    pub types: usize,
    /// Spec-lint warnings: nothing failed, but the spec could say more
    /// (for example an `example` where one could not be synthesized).
    pub warnings: Vec<String>,
    /// What avara-mock does for each operation, which `cargo xtask codegen`
    /// prints.
    pub mock: mock_gen::Report,
}

/// A codegen failure: a located spec error or a generator failure.
#[derive(Debug)]
pub enum CodegenError {
    Spec(spec::SpecError),
    Generator {
        path: PathBuf,
        message: String,
    },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodegenError::Spec(e) => e.fmt(f),
            CodegenError::Generator { path, message } => {
                write!(
                    f,
                    "{}: error: the generator rejected the spec: {message}",
                    path.display()
                )
            }
            CodegenError::Io { path, error } => write!(f, "{}: error: {error}", path.display()),
        }
    }
}

impl std::error::Error for CodegenError {}

impl From<spec::SpecError> for CodegenError {
    fn from(e: spec::SpecError) -> Self {
        CodegenError::Spec(e)
    }
}

/// Runs every generator on an already loaded spec, in memory.
pub fn generate_from(spec: &LoadedSpec) -> Result<Generated, CodegenError> {
    spec.check_pagination()?;
    cli_gen::check_command_tree(spec)?;
    let generator_error = |message: String| CodegenError::Generator {
        path: spec.path.clone(),
        message,
    };
    // progenitor's three generators are independent: run them on their own
    // threads (token streams are not `Send`, so each returns formatted text).
    // Each gets a fresh generator with the client's settings, so that the type
    // space of one never leaks into another. The CLI glue needs the client's
    // body builder setter types, which the client thread sends over.
    let (setters_tx, setters_rx) = std::sync::mpsc::channel::<(
        SetterTypes,
        RustNames,
        crate::progenitor_output::types::Renames,
    )>();
    let (client, httpmock, cli) = std::thread::scope(|scope| {
        let client = scope.spawn(move || -> Result<(String, usize, RustNames), String> {
            let (mut file, types) = progenitor_output::client::generate(spec)?;
            progenitor_output::client::schemars_behind_feature(&mut file);
            let names = RustNames::read(&file);
            progenitor_output::client::describe_referenced_fields(spec, &names, &mut file);
            progenitor_output::client::describe_setters(spec, &names, &mut file);
            let renames = crate::progenitor_output::types::variant_renames(&file);
            let setters = progenitor_output::client::setter_types(&file);
            let _ = setters_tx.send((setters, names.clone(), renames));
            // After the CLI glue has the setters' original bounds; the
            // types pass before ergonomics, which relaxes its `Nullable` setters.
            crate::progenitor_output::types::apply(spec, &names, &mut file)?;
            crate::progenitor_output::ergonomics::relax_setters(&mut file)?;
            Ok((prettyplease::unparse(&file), types, names))
        });
        let httpmock = scope.spawn(|| -> Result<String, String> {
            let mut file = progenitor_output::httpmock::generate(spec, HTTPMOCK_CRATE_PATH)?;
            progenitor_output::httpmock::array_query_params(spec, &mut file)?;
            Ok(prettyplease::unparse(&file))
        });
        let cli = scope.spawn(move || -> Result<String, String> {
            let mut cli_file = progenitor_output::cli::generate(spec, CLI_CRATE_PATH)?;
            progenitor_output::cli::repeatable_array_arguments(&mut cli_file);
            let (setters, names, renames) = setters_rx.recv().map_err(|_| {
                "the client generator failed before the CLI glue could run".to_string()
            })?;
            // The CLI names the client's enum variants: follow their renames.
            crate::progenitor_output::types::rename_variants(&mut cli_file.items, &renames)?;
            let glue = cli_gen::generate(spec, &cli_file, &setters, &names)?;
            progenitor_output::cli::describe_arguments(spec, &names, &mut cli_file)?;
            progenitor_output::cli::prune_execution(&mut cli_file)?;
            format_tokens(quote! { #cli_file #glue })
        });
        (joined(client), joined(httpmock), joined(cli))
    });
    let (client, types, names) = client.map_err(generator_error)?;
    let httpmock = httpmock.map_err(generator_error)?;
    let cli = cli.map_err(generator_error)?;
    check_every_operation_generated(spec, &names, &httpmock, &cli)?;

    let sdk = sdk::generate(spec, &names)?;
    let mut warnings = sdk.warnings;
    let sdk = format_tokens(sdk.tokens).map_err(generator_error)?;
    let (mock, mock_report) = mock_gen::generate_reporting(spec, &names, &mut warnings)?;
    let mock = format_tokens(mock).map_err(generator_error)?;

    let hash = spec_hash(&spec.text);
    Ok(Generated {
        files: vec![
            GeneratedFile {
                relative_path: CLIENT_GENERATED,
                contents: with_header(&hash, "progenitor", &client),
            },
            GeneratedFile {
                relative_path: CLIENT_SDK_GENERATED,
                contents: with_header(&hash, "xtask/src/sdk.rs", &sdk),
            },
            GeneratedFile {
                relative_path: HTTPMOCK_GENERATED,
                contents: with_header(&hash, "progenitor httpmock", &httpmock),
            },
            GeneratedFile {
                relative_path: CLI_GENERATED,
                contents: with_header(&hash, "progenitor cli + xtask/src/cli_gen.rs", &cli),
            },
            GeneratedFile {
                relative_path: MOCK_GENERATED,
                contents: with_header(&hash, "xtask/src/mock_gen.rs", &mock),
            },
        ],
        operations: spec.operations().len(),
        types,
        warnings,
        mock: mock_report,
    })
}

/// Every operation of the spec must come out of the generators: a client
/// method and builder, a typed mock and a CLI command. An operation that
/// vanished (progenitor skips what it cannot place) is an error located at
/// the operation.
pub fn check_every_operation_generated(
    spec: &LoadedSpec,
    names: &RustNames,
    httpmock: &str,
    cli: &str,
) -> Result<(), spec::SpecError> {
    // One pass over each generated file, not one search per operation: a
    // spec of a thousand operations generates megabytes.
    let httpmock_methods = progenitor_output::httpmock::methods(httpmock);
    let cli_operation_ids = progenitor_output::cli::operation_ids(cli);
    for op in spec.operations() {
        let missing = match names.operation(op.id) {
            Err(_) => Some("the client"),
            Ok(op_names) if !httpmock_methods.contains(&op_names.method) => {
                Some("the httpmock extension")
            }
            Ok(_) if !cli_operation_ids.contains(op.id) => Some("the CLI"),
            Ok(_) => None,
        };
        if let Some(what) = missing {
            return Err(spec.error_at(
                &op.pointer,
                format!(
                    "operation `{}` (`{} {}`) is missing from {what} that progenitor generated",
                    op.id, op.method, op.path
                ),
            ));
        }
    }
    Ok(())
}

/// Loads the spec at `spec_path` and runs every generator, in memory.
pub fn generate(spec_path: &Path) -> Result<Generated, CodegenError> {
    let spec = spec::load(spec_path)?;
    generate_from(&spec)
}

/// progenitor's own client for `spec` with its default settings and none of
/// this workspace's glue, formatted: the baseline `cargo xtask bench`
/// compares the `avara` crate's build with.
pub fn plain_progenitor_client(spec: &LoadedSpec) -> Result<String, CodegenError> {
    progenitor_output::plain_client(spec).map_err(|message| CodegenError::Generator {
        path: spec.path.clone(),
        message,
    })
}

/// The result of a generator thread; a panic becomes an error.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, String>>) -> Result<T, String> {
    handle
        .join()
        .unwrap_or_else(|panic| Err(progenitor_output::panic_message(&panic)))
}

fn format_tokens(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    syn::parse2::<syn::File>(tokens)
        .map(|file| prettyplease::unparse(&file))
        .map_err(|e| format!("generated code does not parse: {e}"))
}

/// The SHA-256 of the spec text, in hex.
pub fn spec_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn with_header(hash: &str, generator: &str, body: &str) -> String {
    format!(
        "// @generated by `cargo xtask codegen` ({generator}) from {SPEC}\n\
         // spec sha256: {hash}\n\
         // DO NOT EDIT. Change the spec, then run `cargo xtask codegen`.\n\
         \n{body}"
    )
}

/// What a write or a check found for one file.
#[derive(Debug, PartialEq, Eq)]
pub enum FileState {
    Fresh,
    Stale,
    Missing,
}

/// Compares the generated files with those under `root`.
pub fn compare(root: &Path, generated: &Generated) -> Vec<(PathBuf, FileState, String)> {
    generated
        .files
        .iter()
        .map(|file| {
            let path = root.join(file.relative_path);
            match std::fs::read_to_string(&path) {
                Ok(current) if current == file.contents => (path, FileState::Fresh, String::new()),
                Ok(current) => {
                    let diff = unified_diff(file.relative_path, &current, &file.contents);
                    (path, FileState::Stale, diff)
                }
                Err(_) => (path, FileState::Missing, String::new()),
            }
        })
        .collect()
}

/// A unified diff from the checked-in text to the text the spec produces.
pub fn unified_diff(name: &str, current: &str, expected: &str) -> String {
    similar::TextDiff::from_lines(current, expected)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{name} (checked in)"),
            &format!("b/{name} (from the spec)"),
        )
        .to_string()
}

/// Writes every file that changed, each atomically (temp file + rename), and
/// returns how many were written. Nothing is written unless generation as a
/// whole succeeded, since `generated` only exists then.
pub fn write(root: &Path, generated: &Generated) -> Result<usize, CodegenError> {
    let mut written = 0;
    for (path, state, _) in compare(root, generated) {
        if state == FileState::Fresh {
            continue;
        }
        let file = generated
            .files
            .iter()
            .find(|f| root.join(f.relative_path) == path)
            .expect("compare returns the generated paths");
        write_atomically(&path, &file.contents)?;
        written += 1;
    }
    Ok(written)
}

fn write_atomically(path: &Path, contents: &str) -> Result<(), CodegenError> {
    let io = |error| CodegenError::Io {
        path: path.to_path_buf(),
        error,
    };
    let dir = path.parent().expect("generated files live in a directory");
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("generated"),
        std::process::id()
    ));
    std::fs::write(&tmp, contents).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Options of `cargo xtask codegen`.
pub struct Options {
    pub root: PathBuf,
    pub spec: PathBuf,
    pub check: bool,
}

/// Runs `codegen` or `codegen --check`; returns the process exit code.
pub fn run(options: &Options) -> i32 {
    let started = Instant::now();
    let generated = match generate(&options.spec) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("codegen: nothing was written.");
            return 2;
        }
    };
    let lines: usize = generated
        .files
        .iter()
        .map(|f| f.contents.lines().count())
        .sum();
    eprintln!("{}", generated.mock.summary);
    for fallback in &generated.mock.fallbacks {
        eprintln!("warning: {fallback}");
    }
    if options.check {
        for warning in &generated.warnings {
            eprintln!("warning: {warning}");
        }
        let mut stale = 0;
        for (path, state, diff) in compare(&options.root, &generated) {
            match state {
                FileState::Fresh => {}
                FileState::Stale => {
                    stale += 1;
                    eprintln!(
                        "{} is out of date with {}:",
                        path.display(),
                        options.spec.display()
                    );
                    eprint!("{diff}");
                }
                FileState::Missing => {
                    stale += 1;
                    eprintln!("{} is missing.", path.display());
                }
            }
        }
        if stale > 0 {
            eprintln!(
                "codegen --check: {stale} generated file(s) differ from what the spec produces. \
                 Run `cargo xtask codegen` and commit the result (never edit generated files by hand)."
            );
            return 1;
        }
        println!(
            "codegen --check: {} files fresh ({} operations, {} types, {} lines) in {:.2} s",
            generated.files.len(),
            generated.operations,
            generated.types,
            lines,
            started.elapsed().as_secs_f64()
        );
        return 0;
    }
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    match write(&options.root, &generated) {
        Ok(written) => {
            println!(
                "codegen: {} operations, {} types, {} lines in {} files ({} written, {} unchanged) in {:.2} s",
                generated.operations,
                generated.types,
                lines,
                generated.files.len(),
                written,
                generated.files.len() - written,
                started.elapsed().as_secs_f64()
            );
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
