//! The in-memory state: organizations in creation order, and remembered
//! idempotent creates.

use std::collections::{BTreeMap, HashMap};

use avara::types::{Org, OrgCreateParams, OrgId, OrgListPage};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The page size of `GET /v1/orgs` when the request gives no `limit`. The
/// reference documents no default; this is the mock's choice.
pub const DEFAULT_LIMIT: usize = 20;

/// What a cursor says before it is base64-encoded: `seq:<n>`.
const CURSOR_PREFIX: &str = "seq:";

/// Every organization, by creation sequence number, and the idempotency
/// records of creates.
#[derive(Debug, Default)]
pub(crate) struct Store {
    last_seq: u64,
    by_seq: BTreeMap<u64, Org>,
    seq_by_id: HashMap<String, u64>,
    /// By (API key, idempotency key).
    idempotent: HashMap<(String, String), Remembered>,
}

/// A create made with an idempotency key.
#[derive(Debug)]
struct Remembered {
    /// The create's parameters, normalized to JSON.
    params: serde_json::Value,
    org: Org,
}

/// What a create did.
#[derive(Debug)]
pub(crate) enum Created {
    /// A new organization.
    New(Org),
    /// The organization of an earlier create with the same idempotency key
    /// and body.
    Replayed(Org),
    /// The idempotency key was used before with another body.
    KeyReused,
}

impl Store {
    /// How many organizations exist.
    pub(crate) fn org_count(&self) -> usize {
        self.by_seq.len()
    }

    /// Creates an organization, or replays or refuses a create made before
    /// with the same `(api_key, idempotency_key)`.
    pub(crate) fn create(
        &mut self,
        params: OrgCreateParams,
        api_key: &str,
        idempotency_key: Option<&str>,
    ) -> Created {
        let normalized = serde_json::to_value(&params).unwrap_or(serde_json::Value::Null);
        let slot = idempotency_key.map(|key| (api_key.to_string(), key.to_string()));
        if let Some(slot) = &slot
            && let Some(earlier) = self.idempotent.get(slot)
        {
            return if earlier.params == normalized {
                Created::Replayed(earlier.org.clone())
            } else {
                Created::KeyReused
            };
        }
        let org = self.insert_new(params, api_key);
        if let Some(slot) = slot {
            self.idempotent.insert(
                slot,
                Remembered {
                    params: normalized,
                    org: org.clone(),
                },
            );
        }
        Created::New(org)
    }

    fn insert_new(&mut self, params: OrgCreateParams, api_key: &str) -> Org {
        let org_id = loop {
            let id = format!("org_{:032x}", fastrand::u128(..));
            if !self.seq_by_id.contains_key(&id) {
                break id;
            }
        };
        let now = chrono::Utc::now();
        let org = Org {
            created_at: Some(now),
            created_by_api_key_id: Some(api_key_id(api_key)),
            created_by_user_id: None,
            is_active: true,
            metadata: params.metadata,
            org_id: org_id
                .parse::<OrgId>()
                .expect("org_ and 32 lowercase hex digits match the OrgId pattern"),
            org_name: params.org_name,
            updated_at: Some(now),
            user_count: 0,
        };
        self.last_seq += 1;
        self.by_seq.insert(self.last_seq, org.clone());
        self.seq_by_id.insert(org_id, self.last_seq);
        org
    }

    /// The organization with this id, if any.
    pub(crate) fn get(&self, org_id: &str) -> Option<&Org> {
        self.seq_by_id
            .get(org_id)
            .and_then(|seq| self.by_seq.get(seq))
    }

    /// Up to `limit` organizations created after the one with sequence
    /// number `after` (0: from the first).
    pub(crate) fn page(&self, after: u64, limit: usize) -> OrgListPage {
        let mut rest = self.by_seq.range(after.saturating_add(1)..);
        let mut organizations = Vec::with_capacity(limit);
        let mut last = None;
        for (seq, org) in rest.by_ref().take(limit) {
            organizations.push(org.clone());
            last = Some(*seq);
        }
        let has_more = rest.next().is_some();
        OrgListPage {
            cursor: if has_more {
                last.map(encode_cursor)
            } else {
                None
            },
            has_more,
            organizations,
        }
    }
}

/// The opaque cursor that points after sequence number `seq`.
pub(crate) fn encode_cursor(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{seq}"))
}

/// The sequence number in a cursor made by [`encode_cursor`], or why it is
/// not one.
pub(crate) fn decode_cursor(cursor: &str) -> Result<u64, &'static str> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| "is not base64")?;
    let text = std::str::from_utf8(&bytes).map_err(|_| "is not a cursor of this API")?;
    let digits = text
        .strip_prefix(CURSOR_PREFIX)
        .ok_or("is not a cursor of this API")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a cursor of this API");
    }
    digits.parse().map_err(|_| "is out of range")
}

/// A stable UUID (version 8) for an API key: FNV-1a (128 bit) of the key, so
/// the same key always gives the same id and the key cannot be read back.
pub(crate) fn api_key_id(api_key: &str) -> uuid::Uuid {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let hash = api_key
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME));
    uuid::Builder::from_custom_bytes(hash.to_be_bytes()).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(name: &str) -> OrgCreateParams {
        OrgCreateParams {
            metadata: None,
            org_name: name.parse().unwrap(),
        }
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        for seq in [0, 1, 42, u64::MAX] {
            assert_eq!(decode_cursor(&encode_cursor(seq)), Ok(seq));
        }
        assert!(decode_cursor("").is_err());
        assert!(decode_cursor("!!!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("seq:")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("seq:-1")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("seq:99999999999999999999999")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("page:3")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode([0xff, 0xfe])).is_err());
    }

    #[test]
    fn api_key_id_is_stable_and_distinct() {
        assert_eq!(api_key_id("sk_test_a"), api_key_id("sk_test_a"));
        assert_ne!(api_key_id("sk_test_a"), api_key_id("sk_test_b"));
        assert_eq!(api_key_id("sk_test_a").get_version_num(), 8);
    }

    #[test]
    fn pages_walk_in_creation_order() {
        let mut store = Store::default();
        let ids: Vec<_> = (0..5)
            .map(
                |i| match store.create(params(&format!("o{i}")), "k", None) {
                    Created::New(org) => org.org_id,
                    other => panic!("unexpected {other:?}"),
                },
            )
            .collect();
        let first = store.page(0, 2);
        assert!(first.has_more);
        let second = store.page(decode_cursor(first.cursor.as_deref().unwrap()).unwrap(), 2);
        let third = store.page(decode_cursor(second.cursor.as_deref().unwrap()).unwrap(), 2);
        assert!(!third.has_more);
        assert_eq!(third.cursor, None);
        let seen: Vec<_> = [first, second, third]
            .into_iter()
            .flat_map(|p| p.organizations)
            .map(|o| o.org_id)
            .collect();
        assert_eq!(seen, ids);
        let exact = store.page(0, 5);
        assert!(!exact.has_more);
        assert_eq!(exact.cursor, None);
    }

    #[test]
    fn idempotency_is_per_api_key_and_body() {
        let mut store = Store::default();
        let Created::New(first) = store.create(params("a"), "k1", Some("key")) else {
            panic!("first create must create");
        };
        let Created::Replayed(again) = store.create(params("a"), "k1", Some("key")) else {
            panic!("same key and body must replay");
        };
        assert_eq!(again, first);
        assert!(matches!(
            store.create(params("b"), "k1", Some("key")),
            Created::KeyReused
        ));
        assert!(matches!(
            store.create(params("a"), "k2", Some("key")),
            Created::New(_)
        ));
        assert_eq!(store.org_count(), 2);
    }
}
