//! Quickstart: create, list (auto-paginated), retrieve, and one API error.
//!
//! With `AVARA_BASE_URL` and `AVARA_API_KEY` set it talks to that server;
//! otherwise it starts `avara-mock` in-process on 127.0.0.1, so
//! `cargo run --example quickstart` works with no account and no network.

use avara::types::ExpressCreateParams;
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

    println!("\n# Create three Express customers");
    let mut created = Vec::new();
    for (name, department) in [
        ("City Medical Center - Radiology", "radiology"),
        ("City Medical Center - Cardiology", "cardiology"),
        ("Riverside Clinic", "general"),
    ] {
        let customer = client
            .express()
            .create()
            .body(
                ExpressCreateParams::builder()
                    .express_customer_name(name)
                    .metadata([("department", department)]),
            )
            .await?;
        println!(
            "created {} {:?}",
            customer.express_customer_id.as_str(),
            customer.express_customer_name.as_str()
        );
        created.push(customer);
    }

    println!("\n# List them all, two per page (the stream fetches pages as needed)");
    let mut customers = client.express().list().limit(2u32).stream();
    let mut count = 0;
    while let Some(customer) = customers.try_next().await? {
        count += 1;
        println!(
            "{count:>3}. {} {:?}",
            customer.express_customer_id.as_str(),
            customer.express_customer_name.as_str()
        );
    }

    println!("\n# Retrieve one");
    let customer = client
        .express()
        .retrieve(created[0].express_customer_id.clone())
        .await?;
    println!("{}", serde_json::to_string_pretty(&customer)?);

    println!("\n# An API error: an Express customer that does not exist");
    match client
        .express()
        .retrieve("cus_00000000000000000000000000000000")
        .await
    {
        Ok(customer) => println!(
            "the server returned {} (a stateless mock answers anything)",
            customer.express_customer_id.as_str()
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
