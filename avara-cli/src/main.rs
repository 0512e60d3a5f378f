//! `avara`: the command line of the Avara API. See `avara --help`.

fn main() {
    let code = avara_cli::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
