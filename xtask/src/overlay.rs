//! Merging a spec overlay (such as `spec/fixtures/next-pages.overlay.yaml`)
//! into a spec: the growth check's way of "transcribing the next page" into a
//! scratch copy of the real spec.
//!
//! Mappings merge key by key (the overlay adds what the base lacks), sequences
//! are concatenated (`tags`), and a scalar present on both sides is a
//! conflict: an overlay adds to a spec, it never silently changes it.

use serde_yaml::Value;

/// Merges `overlay` into `base` (both YAML texts) and returns the merged
/// document as YAML. Errors name the path of the conflicting key.
pub fn apply(base: &str, overlay: &str) -> Result<String, String> {
    let mut merged: Value =
        serde_yaml::from_str(base).map_err(|e| format!("the base spec is not YAML: {e}"))?;
    let overlay: Value =
        serde_yaml::from_str(overlay).map_err(|e| format!("the overlay is not YAML: {e}"))?;
    merge(&mut merged, overlay, "")?;
    serde_yaml::to_string(&merged).map_err(|e| format!("cannot write the merged spec: {e}"))
}

fn merge(base: &mut Value, overlay: Value, at: &str) -> Result<(), String> {
    match (base, overlay) {
        (Value::Mapping(base), Value::Mapping(overlay)) => {
            for (key, value) in overlay {
                let name = match &key {
                    Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                let path = format!("{at}/{name}");
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value, &path)?,
                    None => {
                        base.insert(key, value);
                    }
                }
            }
            Ok(())
        }
        (Value::Sequence(base), Value::Sequence(overlay)) => {
            base.extend(overlay);
            Ok(())
        }
        (base, overlay) if *base == overlay => Ok(()),
        _ => Err(format!(
            "the overlay changes `{at}`, which the base spec already sets; an overlay may only add"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_keys_concatenates_sequences_and_refuses_changes() {
        let base = "a:\n  b: 1\ntags:\n  - x\n";
        let merged = apply(base, "a:\n  c: 2\ntags:\n  - y\n").unwrap();
        let value: Value = serde_yaml::from_str(&merged).unwrap();
        assert_eq!(value["a"]["b"], Value::from(1));
        assert_eq!(value["a"]["c"], Value::from(2));
        assert_eq!(
            value["tags"],
            serde_yaml::from_str::<Value>("[x, y]").unwrap()
        );

        assert_eq!(
            apply(base, "a:\n  b: 1\n").unwrap(),
            apply(base, "{}").unwrap()
        );
        let error = apply(base, "a:\n  b: 3\n").unwrap_err();
        assert!(error.contains("`/a/b`"), "{error}");
    }
}
