//! What a request body's setters accept: the value a user has at hand, not
//! only the generated type.
//!
//! Every setter of a generated body builder whose field is a map, a list or
//! a newtype takes any `T: IntoField<FieldType>`. `cargo xtask codegen`
//! writes the impls for each such field type (xtask/src/ergonomics.rs), so
//! every field of every body gets them:
//!
//! | field type        | also accepts                                                     |
//! | ----------------- | ---------------------------------------------------------------- |
//! | a map (`Metadata`)| `[(k, v); N]`, `Vec<(k, v)>`, `HashMap<k, v>`, `BTreeMap<k, v>` |
//! | a list (`Vec<I>`) | `[x; N]`, `Vec<x>`                                               |
//! | a newtype         | anything that converts to it (`&str`, `String`, ...)            |
//! | `Option<_>` of one of these | the same, or the `Option` itself                        |
//! | [`Nullable<_>`](crate::Nullable) of any type | what converts to that type, or the `Nullable` itself (`Nullable::Null` sends `null`); for one of the shapes above also its `Option` (`None`: not sent) |
//!
//! where `k: Into<String>` and each `v` and `x` converts to the map's value
//! or the list's item type. Each value is converted and checked (lengths,
//! patterns) when set; a key given twice is an error, never a silent
//! overwrite. The bounds the generated types do not check (the number of
//! pairs, the length of a key) are checked before the request is sent.
//! A bad value surfaces as [`ErrorKind::InvalidRequest`](crate::ErrorKind)
//! when the call is awaited, naming the field; nothing is sent.
//!
//! ```no_run
//! use std::collections::{BTreeMap, HashMap};
//! use avara::types::{Metadata, MetadataValue, OrgCreateParams};
//!
//! # async fn run(client: &avara::Client) -> Result<(), avara::Error> {
//! // An array of pairs.
//! client
//!     .orgs_create()
//!     .body(OrgCreateParams::builder()
//!         .org_name("Radiology")
//!         .metadata([("department", "radiology"), ("floor", "3")]))
//!     .await?;
//!
//! // A HashMap<String, String>.
//! let mut map = HashMap::new();
//! map.insert("department".to_string(), "radiology".to_string());
//! OrgCreateParams::builder().org_name("Radiology").metadata(map);
//!
//! // A BTreeMap<&str, String>, a Vec of pairs.
//! let tree = BTreeMap::from([("department", "radiology".to_string())]);
//! OrgCreateParams::builder().org_name("Radiology").metadata(tree);
//! OrgCreateParams::builder().org_name("Radiology").metadata(vec![("a", "b")]);
//!
//! // The generated types, as before.
//! let typed = Metadata::from(HashMap::from([(
//!     "department".to_string(),
//!     MetadataValue::try_from("radiology").unwrap(),
//! )]));
//! OrgCreateParams::builder().org_name("Radiology").metadata(typed.clone());
//! OrgCreateParams::builder().org_name("Radiology").metadata(Some(typed));
//! OrgCreateParams::builder().org_name("Radiology").metadata(None);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt::Display;

/// A value a body builder's setter takes for a field of type `T`; see the
/// [module docs](self). Implemented by generated code for each field type.
pub trait IntoField<T> {
    /// The field's value, or what is wrong with this one.
    fn into_field(self) -> Result<T, String>;
}

/// Converts one value, with the conversion's own message on failure.
#[doc(hidden)]
pub fn convert<T, W>(value: W) -> Result<T, String>
where
    W: TryInto<T>,
    W::Error: Display,
{
    value.try_into().map_err(|e| e.to_string())
}

/// The pairs as a map of `V`s: each value converted, a repeated key refused.
#[doc(hidden)]
pub fn collect_map<K, W, V>(
    pairs: impl IntoIterator<Item = (K, W)>,
) -> Result<HashMap<String, V>, String>
where
    K: Into<String>,
    W: TryInto<V>,
    W::Error: Display,
{
    let pairs = pairs.into_iter();
    let mut map = HashMap::with_capacity(pairs.size_hint().0);
    for (key, value) in pairs {
        let key: String = key.into();
        let value = value
            .try_into()
            .map_err(|e| format!("the value for key {key:?}: {e}"))?;
        if map.contains_key(&key) {
            return Err(format!("the key {key:?} is given twice"));
        }
        map.insert(key, value);
    }
    Ok(map)
}

/// The items as a list of `I`s, each converted.
#[doc(hidden)]
pub fn collect_list<W, I>(items: impl IntoIterator<Item = W>) -> Result<Vec<I>, String>
where
    W: TryInto<I>,
    W::Error: Display,
{
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| item.try_into().map_err(|e| format!("item {index}: {e}")))
        .collect()
}
