//! The JSON examples of the API reference (copied verbatim into
//! `spec/reference/`) against the generated types.

use avara::types::{Org, OrgCreateParams, OrgId, OrgListPage, OrgName};
use serde_json::Value;

/// Every top-level JSON object in a reference page (the `.txt` files; the
/// SDK facts beside them are not pages), with its page name.
fn examples() -> Vec<(String, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/reference");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("\n{") {
            let candidate = &rest[start + 1..];
            let mut stream = serde_json::Deserializer::from_str(candidate).into_iter::<Value>();
            match stream.next() {
                Some(Ok(value)) => {
                    let used = stream.byte_offset();
                    out.push((name.clone(), value));
                    rest = &candidate[used..];
                }
                _ => rest = &candidate[1..],
            }
        }
    }
    out
}

#[test]
fn every_reference_page_has_its_examples() {
    let found = examples();
    for page in [
        "orgs-create.python.txt",
        "orgs-list.http.txt",
        "orgs-list.python.txt",
        "orgs-retrieve.http.txt",
    ] {
        let n = found.iter().filter(|(p, _)| p == page).count();
        assert_eq!(n, 2, "{page}: a request example and a returns example");
    }
}

#[test]
fn every_example_round_trips_through_the_generated_types() {
    for (page, example) in examples() {
        let reserialized = if page.starts_with("orgs-list") {
            let page_value: OrgListPage =
                serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{page}: {e}"));
            assert!(page_value.has_more);
            assert_eq!(page_value.organizations.len(), 1);
            serde_json::to_value(page_value).unwrap()
        } else {
            let org: Org =
                serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{page}: {e}"));
            assert_eq!(org.org_id.as_str(), "org_1234567890abcdef1234567890abcdef");
            assert_eq!(org.user_count, 15);
            serde_json::to_value(org).unwrap()
        };
        assert_eq!(normalize(reserialized), normalize(example), "{page}");
    }
}

/// Timestamps re-serialize as `+00:00` or `Z`; compare them as instants.
fn normalize(mut value: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key.ends_with("At")
                        && let Value::String(s) = child
                    {
                        let t = chrono::DateTime::parse_from_rfc3339(s).unwrap();
                        *s = t.with_timezone(&chrono::Utc).to_rfc3339();
                    }
                    walk(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

fn org_json() -> Value {
    examples()
        .into_iter()
        .find(|(p, _)| p == "orgs-retrieve.http.txt")
        .unwrap()
        .1
}

#[test]
fn nullable_and_optional_fields_follow_the_spec() {
    // Optional: may be absent.
    let mut v = org_json();
    for key in ["createdByApiKeyId", "createdByUserId", "metadata"] {
        v.as_object_mut().unwrap().remove(key);
    }
    let org: Org = serde_json::from_value(v.clone()).unwrap();
    assert!(org.created_by_user_id.is_none() && org.metadata.is_none());
    // Nullable: may be null.
    for key in [
        "createdAt",
        "updatedAt",
        "createdByApiKeyId",
        "createdByUserId",
        "metadata",
    ] {
        let mut v = org_json();
        v[key] = Value::Null;
        serde_json::from_value::<Org>(v).unwrap_or_else(|e| panic!("{key}: null: {e}"));
    }
    // Required: must be present.
    for key in [
        "createdAt",
        "isActive",
        "orgId",
        "orgName",
        "updatedAt",
        "userCount",
    ] {
        let mut v = org_json();
        v.as_object_mut().unwrap().remove(key);
        assert!(
            serde_json::from_value::<Org>(v).is_err(),
            "{key} is required"
        );
    }
    // userCount is an integer, never negative.
    let mut v = org_json();
    v["userCount"] = serde_json::json!(1.5);
    assert!(serde_json::from_value::<Org>(v).is_err());
}

#[test]
fn malformed_org_ids_are_rejected() {
    for bad in [
        "",
        "org_",
        "org_1234567890abcdef1234567890abcde",
        "org_1234567890abcdef1234567890abcdef0",
        "org_1234567890ABCDEF1234567890ABCDEF",
        "org_1234567890abcdef1234567890abcdeg",
        "usr_1234567890abcdef1234567890abcdef",
        " org_1234567890abcdef1234567890abcdef",
    ] {
        assert!(bad.parse::<OrgId>().is_err(), "{bad:?} must be rejected");
        let mut v = org_json();
        v["orgId"] = Value::from(bad);
        assert!(
            serde_json::from_value::<Org>(v).is_err(),
            "{bad:?} in a body"
        );
    }
    assert!(
        "org_1234567890abcdef1234567890abcdef"
            .parse::<OrgId>()
            .is_ok()
    );
}

#[test]
fn empty_org_names_are_rejected() {
    assert!("".parse::<OrgName>().is_err());
    assert!(OrgName::try_from("x").is_ok());
    assert!(OrgCreateParams::try_from(OrgCreateParams::builder().org_name("")).is_err());
    assert!(serde_json::from_value::<OrgCreateParams>(serde_json::json!({"orgName": ""})).is_err());
    let mut v = org_json();
    v["orgName"] = Value::from("");
    assert!(serde_json::from_value::<Org>(v).is_err());
}

#[test]
fn metadata_values_longer_than_1000_chars_are_rejected() {
    let ok = serde_json::json!({"orgName": "x", "metadata": {"k": "v".repeat(1000)}});
    assert!(serde_json::from_value::<OrgCreateParams>(ok).is_ok());
    let long = serde_json::json!({"orgName": "x", "metadata": {"k": "v".repeat(1001)}});
    assert!(serde_json::from_value::<OrgCreateParams>(long).is_err());
}
