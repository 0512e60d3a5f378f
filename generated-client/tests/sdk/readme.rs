//! The README's example of the resource tree ("Using the client"), run
//! against avara-mock with its documented examples loaded. The code between
//! the markers is the README's code block, character for character
//! (`the_readme_shows_this_example` compares them), so the README teaches
//! code that compiles and runs.

// README example begins
use avara::types::ExpressCreateParams;
use futures::TryStreamExt;

async fn tour(client: &avara::Client) -> Result<(), avara::Error> {
    // A resource, then a verb, named as the official SDKs name them
    // (`client.express.create(...)`). Await the builder to send it.
    let customer = client
        .express()
        .create()
        .body(
            ExpressCreateParams::builder()
                .express_customer_name("City Medical Center - Radiology")
                .metadata([("department", "radiology")]),
        )
        .await?;
    let id = customer.express_customer_id;

    // Path parameters are the verb's arguments; query and body are setters.
    let same = client.express().retrieve(id.clone()).await?;
    assert_eq!(same.express_customer_name, customer.express_customer_name);

    // Resources nest as in the official SDKs.
    client
        .express()
        .users()
        .add(id.clone())
        .body_map(|body| body.user_id("usr_1234567890abcdef1234567890abcdef"))
        .await?;
    let deactivated = client.express().deactivate(id.clone()).await?;
    assert!(!deactivated.is_active);
    assert_eq!(deactivated.user_count, 1);

    // Lists page for you: every item, one page in memory at a time.
    let mut customers = client.express().list().limit(100).stream();
    while let Some(customer) = customers.try_next().await? {
        println!("{}", customer.express_customer_name.as_str());
    }

    // Or one page at a time, deeper in the tree.
    let page = client
        .viewer()
        .users()
        .invitations()
        .list()
        .limit(10)
        .await?;
    println!("{} invitations", page.invitations.len());
    Ok(())
}
// README example ends

#[tokio::test]
async fn the_readme_example_runs_against_avara_mock_with_its_examples() {
    let server = avara_mock::spawn().await.unwrap();
    server.load_examples().unwrap();
    let client = avara::Client::builder()
        .api_key("sk_test_readme")
        .base_url(server.base_url())
        .build()
        .unwrap();
    tour(&client).await.unwrap();

    let customers: Vec<_> = client
        .express()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let created = customers
        .iter()
        .find(|c| c.express_customer_name.as_str() == "City Medical Center - Radiology")
        .expect("the tour created its customer");
    assert!(!created.is_active, "and deactivated it");
}

#[test]
fn the_readme_shows_this_example() {
    let this = include_str!("readme.rs");
    let begin = "// README example begins\n";
    let end = "// README example ends\n";
    let start = this.find(begin).unwrap() + begin.len();
    let code = &this[start..this.find(end).unwrap()];
    let root = std::env::current_dir()
        .unwrap()
        .ancestors()
        .find(|dir| dir.join("README.md").is_file() && dir.join("spec").is_dir())
        .expect("the workspace root, above the test's working directory")
        .to_path_buf();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = format!("```rust,no_run\n{code}```\n");
    assert!(
        readme.contains(&block),
        "README.md's \"Using the client\" example differs from generated-client/tests/sdk/readme.rs; \
         copy the code between the markers into the README's block:\n{code}"
    );
}
