//! Quickstart: create, list (auto-paginated), retrieve, and one API error.
//!
//! With `AVARA_BASE_URL` and `AVARA_API_KEY` set it talks to that server;
//! otherwise it starts `avara-mock` in-process on 127.0.0.1, so
//! `cargo run --example quickstart` works with no account and no network.

use avara::types::OrgCreateParams;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let configured =
        std::env::var_os("AVARA_BASE_URL").is_some() && std::env::var_os("AVARA_API_KEY").is_some();
    // Kept alive until the end of `main`: dropping it stops the server.
    let mut _mock = None;
    let client = if configured {
        println!("Using the server at AVARA_BASE_URL.");
        avara::Client::from_env()?
    } else {
        let mock = avara_mock::spawn().await?;
        println!(
            "AVARA_BASE_URL/AVARA_API_KEY not set: started avara-mock at {}",
            mock.base_url()
        );
        let client = avara::Client::builder()
            .api_key("sk_test_quickstart")
            .base_url(mock.base_url())
            .build()?;
        _mock = Some(mock);
        client
    };

    println!("\n# Create three organizations");
    let mut created = Vec::new();
    for (name, department) in [
        ("City Medical Center - Radiology", "radiology"),
        ("City Medical Center - Cardiology", "cardiology"),
        ("Riverside Clinic", "general"),
    ] {
        let org = client
            .orgs_create()
            .body(
                OrgCreateParams::builder()
                    .org_name(name)
                    .metadata([("department", department)]),
            )
            .await?;
        println!(
            "created {} {:?}",
            org.org_id.as_str(),
            org.org_name.as_str()
        );
        created.push(org);
    }

    println!("\n# List them all, two per page (the stream fetches pages as needed)");
    let mut orgs = client.orgs_list().limit(2u32).stream();
    let mut count = 0;
    while let Some(org) = orgs.try_next().await? {
        count += 1;
        println!(
            "{count:>3}. {} {:?}",
            org.org_id.as_str(),
            org.org_name.as_str()
        );
    }

    println!("\n# Retrieve one");
    let org = client
        .orgs_retrieve()
        .org_id(created[0].org_id.clone())
        .await?;
    println!("{}", serde_json::to_string_pretty(&org)?);

    println!("\n# An API error: an organization that does not exist");
    match client
        .orgs_retrieve()
        .org_id("org_00000000000000000000000000000000")
        .await
    {
        Ok(org) => println!(
            "the server returned {} (a stateless mock answers anything)",
            org.org_id.as_str()
        ),
        Err(error) => {
            println!("error: {error}");
            println!(
                "kind: {:?}, status: {:?}, request id: {:?}",
                error.kind(),
                error.status(),
                error.request_id()
            );
        }
    }
    Ok(())
}
