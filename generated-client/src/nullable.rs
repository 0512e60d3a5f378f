//! [`Nullable`]: a request body field that may be left out, set, or sent as
//! JSON `null`, three different requests.
//!
//! `cargo xtask codegen` gives this type to every optional field of a
//! request body whose schema is `nullable: true` (`xtask/src/types_pass.rs`):
//! in an update, leaving the field out keeps its value, `null` clears it.
//!
//! ```no_run
//! use avara::Nullable;
//! use avara::types::AutoScribeUserUpdateParams;
//!
//! // `middleName` is not sent; `clinicRole` is sent as "Radiologist".
//! AutoScribeUserUpdateParams::builder().clinic_role("Radiologist");
//! // `clinicRole` is sent as `null`, which clears it.
//! AutoScribeUserUpdateParams::builder().clinic_role(Nullable::Null);
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field that is absent (not sent), `null`, or a value.
///
/// Generated fields of this type carry `#[serde(default, skip_serializing_if
/// = "Nullable::is_absent")]`: [`Nullable::Absent`] leaves the key out,
/// [`Nullable::Null`] writes `null`, and when decoding a missing key is
/// `Absent` and `null` is `Null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nullable<T> {
    /// Not sent: the server keeps what it has.
    #[default]
    Absent,
    /// Sent as JSON `null`: the server clears the field.
    Null,
    /// Sent as this value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out (what `skip_serializing_if` asks).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// Whether the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            _ => None,
        }
    }

    /// The value, if there is one (absent and `null` both give `None`).
    pub fn into_value(self) -> Option<T> {
        match self {
            Nullable::Value(value) => Some(value),
            _ => None,
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when the field is serialized without its
            // `skip_serializing_if` (or outside a struct).
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
            Nullable::Value(value) => serializer.serialize_some(value),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Nullable::Value(value),
            None => Nullable::Null,
        })
    }
}

#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Nullable<T> {
    fn is_referenceable() -> bool {
        false
    }

    fn schema_name() -> String {
        <Option<T>>::schema_name()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <Option<T>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Body {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        field: Nullable<String>,
    }

    #[test]
    fn absent_null_and_value_are_three_bodies_and_decode_back() {
        for (field, json) in [
            (Nullable::Absent, "{}"),
            (Nullable::Null, r#"{"field":null}"#),
            (Nullable::Value("x".to_string()), r#"{"field":"x"}"#),
        ] {
            let body = Body { field };
            assert_eq!(serde_json::to_string(&body).unwrap(), json);
            assert_eq!(serde_json::from_str::<Body>(json).unwrap(), body);
        }
    }
}
