//! `cargo xtask codegen`: spec → progenitor (+ our SDK glue) → prettyplease →
//! checked-in files, and the `--check` drift gate over the same output.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::{ToTokens, quote};
use sha2::{Digest, Sha256};

use crate::rust_names::RustNames;
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

/// The progenitor settings of this SDK: builder interface, and hooks that the
/// hand-written runtime must implement (auth, retries, validation).
pub(crate) fn progenitor_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote! { crate::ClientConfig })
        .with_derive("PartialEq")
        // progenitor's CLI bounds every printed type by `schemars::JsonSchema`.
        .with_derive("schemars::JsonSchema");
    settings
}

/// progenitor's own client for `spec` with its default settings and none of
/// this workspace's glue, formatted: the baseline `cargo xtask bench`
/// compares the `avara` crate's build with.
pub fn plain_progenitor_client(spec: &LoadedSpec) -> Result<String, CodegenError> {
    let tokens = run_progenitor(|| {
        Generator::new(&GenerationSettings::default()).generate_tokens(&spec.openapi)
    })
    .and_then(format_tokens)
    .map_err(|message| CodegenError::Generator {
        path: spec.path.clone(),
        message,
    })?;
    Ok(tokens)
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
    let (setters_tx, setters_rx) =
        std::sync::mpsc::channel::<(cli_gen::SetterTypes, RustNames, crate::types_pass::Renames)>();
    let (client, httpmock, cli) = std::thread::scope(|scope| {
        let client = scope.spawn(move || -> Result<(String, usize, RustNames), String> {
            let mut generator = Generator::new(&progenitor_settings());
            let tokens = run_progenitor(|| generator.generate_tokens(&spec.openapi))?;
            let types = generator.get_type_space().iter_types().count();
            let mut file = parse_tokens(tokens)?;
            derive_behind_feature(&mut file.items, SCHEMARS_DERIVE, SCHEMARS_FEATURE);
            let names = RustNames::read(&file);
            describe_referenced_fields(spec, &names, &mut file);
            describe_setters(spec, &names, &mut file);
            let renames = crate::types_pass::variant_renames(&file);
            let _ = setters_tx.send((cli_gen::setter_types(&file), names.clone(), renames));
            // After the CLI glue has the setters' original bounds; the
            // types pass before ergonomics, which relaxes its `Nullable` setters.
            crate::types_pass::apply(spec, &names, &mut file)?;
            crate::ergonomics::relax_setters(&mut file)?;
            Ok((prettyplease::unparse(&file), types, names))
        });
        let httpmock = scope.spawn(|| -> Result<String, String> {
            let tokens = run_progenitor(|| {
                Generator::new(&progenitor_settings()).httpmock(&spec.openapi, HTTPMOCK_CRATE_PATH)
            })?;
            let mut file = parse_tokens(tokens)?;
            httpmock_array_query_params(spec, &mut file)?;
            Ok(prettyplease::unparse(&file))
        });
        let cli = scope.spawn(move || -> Result<String, String> {
            let tokens = run_progenitor(|| {
                Generator::new(&progenitor_settings()).cli(&spec.openapi, CLI_CRATE_PATH)
            })?;
            let mut cli_file = parse_tokens(tokens)?;
            cli_gen::repeatable_array_arguments(&mut cli_file);
            let (setters, names, renames) = setters_rx.recv().map_err(|_| {
                "the client generator failed before the CLI glue could run".to_string()
            })?;
            // The CLI names the client's enum variants: follow their renames.
            crate::types_pass::rename_variants(&mut cli_file.items, &renames)?;
            let glue = cli_gen::generate(spec, &cli_file, &setters, &names)?;
            cli_gen::describe_arguments(spec, &names, &mut cli_file)?;
            cli_gen::prune_execution(&mut cli_file)?;
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
    let httpmock_methods = httpmock_methods(httpmock);
    let cli_operation_ids = cli_gen::operation_ids(cli);
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

/// The methods of every trait in progenitor's httpmock extension (one per
/// operation), read from the parsed file: prettyplease wraps long
/// signatures, so the text has no fixed shape.
fn httpmock_methods(httpmock: &str) -> std::collections::HashSet<String> {
    fn walk(items: &[syn::Item], out: &mut std::collections::HashSet<String>) {
        for item in items {
            match item {
                syn::Item::Trait(t) => out.extend(t.items.iter().filter_map(|i| match i {
                    syn::TraitItem::Fn(f) => Some(f.sig.ident.to_string()),
                    _ => None,
                })),
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        walk(inner, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    if let Ok(file) = syn::parse_file(httpmock) {
        walk(&file.items, &mut out);
    }
    out
}

/// Gives every field of a generated struct that has no doc the description
/// of the schema behind its property's `$ref` (typify documents a property
/// only by its own `description`, so `orgName: {$ref: OrgName}` had none).
fn describe_referenced_fields(spec: &LoadedSpec, names: &RustNames, file: &mut syn::File) {
    let Some(schemas) = spec
        .json
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
    else {
        return;
    };
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, i)| i),
        _ => None,
    }) else {
        return;
    };
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else {
            continue;
        };
        let Some(fields) = names.structs.get(&s.ident.to_string()) else {
            continue;
        };
        // The component schema of this struct: the one whose properties
        // are exactly the struct's JSON names, and if several are, whose
        // description is the struct's doc.
        let same_properties: Vec<&serde_json::Value> = schemas
            .values()
            .filter(|schema| {
                let schema = spec.schema_json(schema);
                schema
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .is_some_and(|p| {
                        p.len() == fields.len() && p.keys().all(|k| fields.contains_key(k))
                    })
            })
            .collect();
        let struct_doc = doc_of(&s.attrs);
        let schema = match same_properties[..] {
            [one] => one,
            _ => match same_properties
                .iter()
                .filter(|schema| spec.description(schema).map(str::trim) == Some(struct_doc.trim()))
                .collect::<Vec<_>>()[..]
            {
                [one] => *one,
                _ => continue,
            },
        };
        let properties = spec
            .schema_json(schema)
            .get("properties")
            .and_then(|p| p.as_object());
        for field in s.fields.iter_mut() {
            let Some(ident) = &field.ident else { continue };
            if field.attrs.iter().any(|a| a.path().is_ident("doc")) {
                continue;
            }
            let ident = ident.to_string();
            let Some(property) = fields
                .iter()
                .find(|(_, f)| f.ident == ident)
                .and_then(|(json, _)| properties.and_then(|p| p.get(json)))
            else {
                continue;
            };
            if let Some(description) = spec.description(property) {
                let doc = description.to_string();
                field.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
            }
        }
    }
}

/// Gives the setters of the generated builders the doc of what they set:
/// a `types::builder::<Type>` setter the doc of its field, an operation
/// builder's parameter setter the description of the parameter (or of the
/// schema behind its `$ref`).
fn describe_setters(spec: &LoadedSpec, names: &RustNames, file: &mut syn::File) {
    let field_docs: std::collections::HashMap<(String, String), Vec<syn::Attribute>> =
        module_items(&mut file.items, "types")
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| {
                s.fields.iter().filter_map(move |f| {
                    let docs: Vec<syn::Attribute> = f
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("doc"))
                        .map(|a| syn::parse_quote!(#a))
                        .collect();
                    let ident = f.ident.as_ref()?.to_string();
                    (!docs.is_empty()).then(|| ((s.ident.to_string(), ident), docs))
                })
            })
            .collect();
    let types = module_items(&mut file.items, "types");
    for item in module_items(types, "builder").iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(path) = &*imp.self_ty else {
            continue;
        };
        let Some(ty) = path.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for f in impl_fns(imp) {
            if let Some(docs) = field_docs.get(&(ty.clone(), f.sig.ident.to_string())) {
                f.attrs
                    .splice(0..0, docs.iter().map(|a| syn::parse_quote!(#a)));
            }
        }
    }
    let mut parameter_docs = std::collections::HashMap::new();
    for op in spec.operations() {
        let Ok(op_names) = names.operation(op.id) else {
            continue;
        };
        for param in op.parameters(spec) {
            let description = spec
                .description(param.json)
                .or_else(|| param.json.get("schema").and_then(|s| spec.description(s)));
            if let (Some(setter), Some(description)) =
                (op_names.parameters.get(param.name), description)
            {
                parameter_docs.insert(
                    (op_names.builder.clone(), setter.clone()),
                    description.to_string(),
                );
            }
        }
    }
    for item in module_items(&mut file.items, "builder").iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(path) = &*imp.self_ty else {
            continue;
        };
        let Some(builder) = path.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for f in impl_fns(imp) {
            if let Some(doc) = parameter_docs.get(&(builder.clone(), f.sig.ident.to_string())) {
                f.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
            }
        }
    }
}

/// The items of the inline module `name` among `items` (empty if none).
fn module_items<'a>(items: &'a mut [syn::Item], name: &str) -> &'a mut [syn::Item] {
    match crate::rust_names::module_mut(items, name) {
        Some(items) => items,
        None => &mut [],
    }
}

fn impl_fns(imp: &mut syn::ItemImpl) -> impl Iterator<Item = &mut syn::ImplItemFn> {
    imp.items.iter_mut().filter_map(|item| match item {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    })
}

/// The text of an item's `#[doc]` attributes, joined by lines.
fn doc_of(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter_map(crate::rust_names::doc_text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads the spec at `spec_path` and runs every generator, in memory.
pub fn generate(spec_path: &Path) -> Result<Generated, CodegenError> {
    let spec = spec::load(spec_path)?;
    generate_from(&spec)
}

/// Runs one progenitor generator, turning its panics and errors into messages.
fn run_progenitor(
    f: impl FnOnce() -> Result<proc_macro2::TokenStream, progenitor::Error>,
) -> Result<proc_macro2::TokenStream, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|panic| panic_message(&panic))?
        .map_err(|e| e.to_string())
}

/// The result of a generator thread; a panic becomes an error.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, String>>) -> Result<T, String> {
    handle
        .join()
        .unwrap_or_else(|panic| Err(panic_message(&panic)))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("progenitor panicked: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("progenitor panicked: {s}")
    } else {
        "progenitor panicked".into()
    }
}

/// The derive that progenitor's CLI needs on every type, and the feature of
/// the `avara` crate that turns it on: consumers who do not use the CLI do not
/// build schemars.
const SCHEMARS_DERIVE: &str = "schemars :: JsonSchema";
const SCHEMARS_FEATURE: &str = "schemars";

/// Moves `derive` out of every `#[derive(...)]` in `items` (recursively) into
/// `#[cfg_attr(feature = "<feature>", derive(<derive>))]`.
fn derive_behind_feature(items: &mut [syn::Item], derive: &str, feature: &str) {
    use syn::punctuated::Punctuated;
    for item in items {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    derive_behind_feature(inner, derive, feature);
                }
                continue;
            }
            _ => continue,
        };
        let mut moved = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) =
                attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            else {
                continue;
            };
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|p| quote!(#p).to_string() != derive)
                .collect();
            if kept.len() != paths.len() {
                moved = true;
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        if moved {
            let path: syn::Path = syn::parse_str(derive).expect("a derive path");
            attrs.push(syn::parse_quote!(#[cfg_attr(feature = #feature, derive(#path))]));
        }
    }
}

fn parse_tokens(tokens: proc_macro2::TokenStream) -> Result<syn::File, String> {
    syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))
}

fn format_tokens(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    parse_tokens(tokens).map(|file| prettyplease::unparse(&file))
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

/// Makes progenitor's httpmock matchers of array query parameters compile
/// and match the wire: progenitor writes `query_param(name, value.to_string())`
/// for a `Vec<T>`, which has no `Display`. A comma-separated parameter
/// (`explode: false`) matches the one joined value; a repeated one matches
/// every value.
fn httpmock_array_query_params(spec: &LoadedSpec, httpmock: &mut syn::File) -> Result<(), String> {
    let mut comma_separated = std::collections::HashMap::new();
    for op in spec.operations() {
        for p in op.parameters(spec) {
            let comma = p.is_comma_separated_array(spec);
            if p.location == Some(spec::Location::Query)
                && *comma_separated.entry(p.name).or_insert(comma) != comma
            {
                return Err(format!(
                    "query parameter `{}` is comma-separated in one operation and repeated in another; \
                     the httpmock extension matches it by name",
                    p.name
                ));
            }
        }
    }
    fn rewrite(expr: &mut syn::Expr, comma_separated: &std::collections::HashMap<&str, bool>) {
        let syn::Expr::MethodCall(call) = expr else {
            match expr {
                syn::Expr::Call(c) => c.args.iter_mut().for_each(|a| rewrite(a, comma_separated)),
                syn::Expr::If(i) => {
                    for stmt in &mut i.then_branch.stmts {
                        if let syn::Stmt::Expr(e, _) = stmt {
                            rewrite(e, comma_separated);
                        }
                    }
                    if let Some((_, e)) = &mut i.else_branch {
                        rewrite(e, comma_separated);
                    }
                }
                syn::Expr::Block(b) => {
                    for stmt in &mut b.block.stmts {
                        if let syn::Stmt::Expr(e, _) = stmt {
                            rewrite(e, comma_separated);
                        }
                    }
                }
                _ => {}
            }
            return;
        };
        if call.method == "query_param"
            && let [
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                }),
                syn::Expr::MethodCall(value),
            ] = call.args.iter().collect::<Vec<_>>()[..]
            && value.method == "to_string"
            && let Some(&comma) = comma_separated.get(name.value().as_str())
        {
            let receiver = &call.receiver;
            let value = &value.receiver;
            *expr = if comma {
                syn::parse_quote! {
                    #receiver.query_param(
                        #name,
                        #value.iter().map(|v| v.to_string()).collect::<::std::vec::Vec<_>>().join(","),
                    )
                }
            } else {
                syn::parse_quote! {
                    #value.iter().fold(#receiver, |when, v| when.query_param(#name, v.to_string()))
                }
            };
            return;
        }
        rewrite(&mut call.receiver, comma_separated);
        call.args
            .iter_mut()
            .for_each(|a| rewrite(a, comma_separated));
    }
    // Only the matchers whose value is a `Vec` (the comma map names every
    // query parameter, scalars included).
    fn is_vec_setter(f: &syn::ImplItemFn) -> bool {
        f.sig.to_token_stream().to_string().contains(":: Vec <")
    }
    fn walk(items: &mut [syn::Item], comma_separated: &std::collections::HashMap<&str, bool>) {
        for item in items {
            match item {
                syn::Item::Impl(imp) => {
                    for f in imp.items.iter_mut().filter_map(|i| match i {
                        syn::ImplItem::Fn(f) if is_vec_setter(f) => Some(f),
                        _ => None,
                    }) {
                        for stmt in &mut f.block.stmts {
                            if let syn::Stmt::Expr(e, _) = stmt {
                                rewrite(e, comma_separated);
                            }
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &mut m.content {
                        walk(inner, comma_separated);
                    }
                }
                _ => {}
            }
        }
    }
    let arrays: std::collections::HashMap<&str, bool> = comma_separated;
    walk(&mut httpmock.items, &arrays);
    Ok(())
}
