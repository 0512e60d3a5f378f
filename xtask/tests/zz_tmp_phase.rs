use std::time::Instant;
#[test]
fn phases() {
    let text = std::fs::read_to_string("/tmp/scratch/spec/openapi.yaml").unwrap();
    let t = Instant::now();
    let spec = xtask::spec::parse(std::path::Path::new("x.yaml"), text).unwrap();
    eprintln!("parse+check {:?}", t.elapsed());
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote::quote! {crate::ClientConfig})
        .with_derive("PartialEq")
        .with_derive("schemars::JsonSchema");
    let t = Instant::now();
    let mut g = progenitor::Generator::new(&settings);
    let tokens = g.generate_tokens(&spec.openapi).unwrap();
    eprintln!("progenitor client {:?}", t.elapsed());
    let t = Instant::now();
    let file: syn::File = syn::parse2(tokens).unwrap();
    eprintln!("syn parse2 {:?}", t.elapsed());
    let t = Instant::now();
    let s = prettyplease::unparse(&file);
    eprintln!(
        "prettyplease {:?} ({} lines)",
        t.elapsed(),
        s.lines().count()
    );
    let t = Instant::now();
    let _ = progenitor::Generator::new(&settings)
        .httpmock(&spec.openapi, "avara")
        .unwrap();
    eprintln!("httpmock {:?}", t.elapsed());
    let t = Instant::now();
    let _ = progenitor::Generator::new(&settings)
        .cli(&spec.openapi, "crate::sdk")
        .unwrap();
    eprintln!("cli {:?}", t.elapsed());
    let t = Instant::now();
    let _ = xtask::sdk::generate(&spec).unwrap();
    eprintln!("sdk {:?}", t.elapsed());
    let t = Instant::now();
    let _: syn::File = syn::parse_str(&s).unwrap();
    eprintln!("reparse client {:?}", t.elapsed());
}
