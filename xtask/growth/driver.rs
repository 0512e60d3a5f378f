//! The growth check's driver (TEST FIXTURE): every operation of the merged
//! "next pages" spec through the SDK and through the `avara` CLI, against a
//! running avara-mock. `cargo xtask growth-check` copies it into a scratch
//! workspace as an example of the `avara` crate; it compiles only there,
//! against the client generated from the merged spec.
//!
//! Environment: `AVARA_BASE_URL`, `AVARA_API_KEY`, `AVARA_CLI` (the `avara`
//! binary) and `GROWTH_SEED` (the mock's seed document, for the ids of the
//! seeded read-only studies).

use std::process::{Command, ExitCode};

use avara::ErrorKind;
use avara::types::{OrgCreateParams, OrgUpdateParams, UserCreateParams, UserRole};
use futures::TryStreamExt;
use serde_json::Value;

type Result<T, E = String> = std::result::Result<T, E>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match sdk().await {
        Ok(()) => cli(),
        Err(e) => Err(format!("SDK: {e}")),
    };
    match result {
        Ok(()) => {
            println!("driver: every operation passed through the SDK and the CLI");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("driver: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The seeded organization and its studies, from the seed document.
fn seeded() -> Result<(String, usize)> {
    let seed: Value = serde_json::from_str(&std::env::var("GROWTH_SEED").map_err(err)?)
        .map_err(err)?;
    let org = seed["/v1/orgs"][0]["orgId"]
        .as_str()
        .ok_or("the seed has no organization with an orgId")?
        .to_string();
    let studies = seed[format!("/v1/orgs/{org}/studies").as_str()]
        .as_array()
        .map_or(0, Vec::len);
    Ok((org, studies))
}

async fn sdk() -> Result<()> {
    let client = avara::Client::from_env().map_err(err)?;

    println!("SDK: orgs create → retrieve → list (every page) → update → delete → 404");
    let mut created = Vec::new();
    for i in 0..3 {
        let org = client
            .orgs()
            .create()
            .body(OrgCreateParams::builder().org_name(format!("Growth org {i}")))
            .await
            .map_err(err)?;
        created.push(org);
    }
    let org = created[0].clone();
    let same = client
        .orgs()
        .retrieve(org.org_id.clone())
        .await
        .map_err(err)?;
    ensure!(same == org, "retrieve differs from create: {same:?} != {org:?}");
    let listed: Vec<_> = client
        .orgs()
        .list()
        .limit(2u32)
        .stream()
        .map_ok(|o| o.org_id)
        .try_collect()
        .await
        .map_err(err)?;
    for o in &created {
        ensure!(listed.contains(&o.org_id), "{} not listed", o.org_id.as_str());
    }
    let updated = client
        .orgs()
        .update(org.org_id.clone())
        .body(
            OrgUpdateParams::builder()
                .org_name(Some("Growth org renamed".parse().map_err(err)?))
                .is_active(Some(false)),
        )
        .await
        .map_err(err)?;
    ensure!(
        updated.org_name.as_str() == "Growth org renamed" && !updated.is_active,
        "update did not apply: {updated:?}"
    );
    ensure!(updated.org_id == org.org_id, "update changed the id");
    let again = client
        .orgs()
        .retrieve(org.org_id.clone())
        .await
        .map_err(err)?;
    ensure!(again == updated, "retrieve after update: {again:?}");

    println!("SDK: users nested under an org: create → retrieve → list (every page) → unknown parent 404");
    let mut users = Vec::new();
    for (i, role) in [UserRole::Admin, UserRole::Member, UserRole::Viewer]
        .into_iter()
        .enumerate()
    {
        let user = client
            .users()
            .create(org.org_id.clone())
            .body(
                UserCreateParams::builder()
                    .email(format!("user{i}@example.com"))
                    .role(role.clone()),
            )
            .await
            .map_err(err)?;
        ensure!(user.org_id == org.org_id, "user not in its org: {user:?}");
        ensure!(user.role == role, "role not kept: {user:?}");
        users.push(user);
    }
    let user = client
        .users()
        .retrieve(org.org_id.clone(), users[1].user_id.clone())
        .await
        .map_err(err)?;
    ensure!(user == users[1], "user retrieve differs: {user:?}");
    let listed: Vec<_> = client
        .users()
        .list(org.org_id.clone())
        .page_size(2u32)
        .stream()
        .try_collect()
        .await
        .map_err(err)?;
    ensure!(listed == users, "users list is not the users in creation order: {listed:?}");
    let other: Vec<_> = client
        .users()
        .list(created[1].org_id.clone())
        .stream()
        .try_collect()
        .await
        .map_err(err)?;
    ensure!(other.is_empty(), "users leaked into another org: {other:?}");
    let error = client
        .users()
        .list("org_00000000000000000000000000000000")
        .await
        .expect_err("users of an unknown org");
    ensure!(error.kind() == ErrorKind::NotFound, "unknown parent: {error}");

    println!("SDK: seeded studies: list (every page) → retrieve");
    let (seeded_org, seeded_count) = seeded()?;
    let studies: Vec<_> = client
        .studies()
        .list(seeded_org.as_str())
        .limit(2u32)
        .stream()
        .try_collect()
        .await
        .map_err(err)?;
    ensure!(
        studies.len() == seeded_count && seeded_count > 2,
        "{} studies listed, {seeded_count} seeded",
        studies.len()
    );
    let study = client
        .studies()
        .retrieve(seeded_org.as_str(), studies[1].study_id.clone())
        .await
        .map_err(err)?;
    ensure!(study == studies[1], "study retrieve differs: {study:?}");

    println!("SDK: delete → 404, and the nested users go with their org");
    client
        .orgs()
        .delete(org.org_id.clone())
        .await
        .map_err(err)?;
    let error = client
        .orgs()
        .retrieve(org.org_id.clone())
        .await
        .expect_err("a deleted org");
    ensure!(error.kind() == ErrorKind::NotFound, "after delete: {error}");
    let error = client
        .users()
        .retrieve(org.org_id.clone(), users[0].user_id.clone())
        .await
        .expect_err("a user of a deleted org");
    ensure!(error.kind() == ErrorKind::NotFound, "user after delete: {error}");
    Ok(())
}

/// Runs the CLI; returns its exit code and stdout parsed as JSON (`null` if
/// there is none).
fn avara(args: &[&str]) -> Result<(i32, Value)> {
    let cli = std::env::var("AVARA_CLI").map_err(err)?;
    let output = Command::new(&cli).args(args).output().map_err(err)?;
    let code = output.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = if stdout.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&stdout)
            .map_err(|e| format!("avara {}: stdout is not JSON ({e}): {stdout}", args.join(" ")))?
    };
    if code != 0 {
        eprintln!(
            "avara {} → exit {code}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok((code, value))
}

/// Runs the CLI and requires success.
fn ok(args: &[&str]) -> Result<Value> {
    match avara(args)? {
        (0, value) => Ok(value),
        (code, _) => Err(format!("avara {} exited {code}", args.join(" "))),
    }
}

fn text<'a>(value: &'a Value, field: &str) -> Result<&'a str> {
    value[field]
        .as_str()
        .ok_or_else(|| format!("no string `{field}` in {value}"))
}

fn cli() -> Result<()> {
    println!("CLI: orgs create → retrieve → list --all → update → delete → 404");
    let org = ok(&["orgs", "create", "--org-name", "CLI org"])?;
    let org_id = text(&org, "orgId")?.to_string();
    ensure!(ok(&["orgs", "retrieve", &org_id])? == org, "CLI retrieve differs");
    let all = ok(&["orgs", "list", "--all", "--limit", "2"])?;
    let ids: Vec<&str> = all
        .as_array()
        .ok_or_else(|| format!("list --all is not an array: {all}"))?
        .iter()
        .filter_map(|o| o["orgId"].as_str())
        .collect();
    ensure!(ids.contains(&org_id.as_str()), "CLI list --all lacks {org_id}");
    let updated = ok(&["orgs", "update", &org_id, "--org-name", "CLI renamed", "--is-active", "false"])?;
    ensure!(
        updated["orgName"] == "CLI renamed" && updated["isActive"] == false,
        "CLI update did not apply: {updated}"
    );

    println!("CLI: users create → retrieve → list --all");
    let user = ok(&["users", "create", &org_id, "--email", "cli@example.com", "--role", "viewer"])?;
    let user_id = text(&user, "userId")?.to_string();
    ensure!(user["role"] == "viewer", "CLI user role: {user}");
    ensure!(ok(&["users", "retrieve", &org_id, &user_id])? == user, "CLI user retrieve differs");
    let users = ok(&["users", "list", &org_id, "--all", "--page-size", "1"])?;
    ensure!(users == Value::Array(vec![user]), "CLI users list: {users}");
    let (code, _) = avara(&["users", "create", &org_id, "--email", "x@example.com", "--role", "owner"])?;
    ensure!(code == 2, "an unknown role must be a usage error, got exit {code}");

    println!("CLI: seeded studies list --all → retrieve");
    let (seeded_org, seeded_count) = seeded()?;
    let studies = ok(&["studies", "list", &seeded_org, "--all", "--limit", "2"])?;
    let studies = studies
        .as_array()
        .ok_or_else(|| format!("studies list --all is not an array: {studies}"))?;
    ensure!(studies.len() == seeded_count, "CLI: {} studies", studies.len());
    let study_id = text(&studies[0], "studyId")?;
    ensure!(
        ok(&["studies", "retrieve", &seeded_org, study_id])? == studies[0],
        "CLI study retrieve differs"
    );

    println!("CLI: delete → 404");
    ok(&["orgs", "delete", &org_id])?;
    let (code, _) = avara(&["orgs", "retrieve", &org_id])?;
    ensure!(code == 3, "retrieve after delete must be an API error (exit 3), got {code}");
    Ok(())
}
