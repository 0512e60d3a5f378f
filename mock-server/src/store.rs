//! The in-memory state: the items of every collection in creation order, and
//! the remembered answers of requests sent with an idempotency key.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::model::Resource;

/// The page size of a list when the request gives no limit (or the limit
/// parameter's maximum, if lower). The specs document no default; this is the
/// mock's choice.
pub const DEFAULT_LIMIT: usize = 20;

/// What a cursor says before it is base64-encoded: `seq:<n>`.
const CURSOR_PREFIX: &str = "seq:";

/// A collection at a concrete path: the resource (an index into the
/// generated table) and the ids of the items it is nested in, outermost
/// first.
pub(crate) type Scope = (usize, Vec<String>);

/// Every item, and the idempotency records.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    /// The resources of the API (the generated table).
    pub resources: &'static [Resource],
    /// The sequence number of the last item created, in any collection:
    /// strictly increasing, so creation order is sequence order.
    last_seq: u64,
    collections: HashMap<Scope, Collection>,
    /// The member sets of items, by (collection, item id, set name).
    members: HashMap<(Scope, String, &'static str), BTreeSet<String>>,
    /// By (API key, idempotency key).
    idempotent: HashMap<(String, String), Remembered>,
}

/// The items of one collection.
#[derive(Debug, Default, Clone)]
struct Collection {
    by_seq: BTreeMap<u64, Value>,
    seq_by_id: HashMap<String, u64>,
}

/// A successful request made with an idempotency key, and its answer.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    /// The operation, its path and its normalized body.
    pub request: Value,
    pub status: u16,
    pub body: Option<Vec<u8>>,
}

/// One page of a collection.
pub(crate) struct PageOf<'a> {
    pub items: Vec<&'a Value>,
    /// The sequence number of the last item on the page, when more follow.
    pub next: Option<u64>,
}

impl Store {
    /// An empty store of `resources`.
    pub(crate) fn new(resources: &'static [Resource]) -> Self {
        Store {
            resources,
            last_seq: 0,
            collections: HashMap::new(),
            members: HashMap::new(),
            idempotent: HashMap::new(),
        }
    }

    /// A copy of the items and member sets, without idempotency records:
    /// what [`Store::restore`] goes back to.
    pub(crate) fn snapshot(&self) -> Store {
        Store {
            resources: self.resources,
            last_seq: self.last_seq,
            collections: self.collections.clone(),
            members: self.members.clone(),
            idempotent: HashMap::new(),
        }
    }

    /// Goes back to the items and member sets of `snapshot`, forgetting every
    /// idempotency record. Sequence numbers keep increasing, so a cursor
    /// from before never points into items created after.
    pub(crate) fn restore(&mut self, snapshot: &Store) {
        let last_seq = self.last_seq.max(snapshot.last_seq);
        *self = snapshot.snapshot();
        self.last_seq = last_seq;
    }

    /// How many items all collections hold.
    pub(crate) fn total(&self) -> usize {
        self.collections.values().map(|c| c.by_seq.len()).sum()
    }

    /// How many items the collection holds.
    pub(crate) fn count(&self, scope: &Scope) -> usize {
        self.collections.get(scope).map_or(0, |c| c.by_seq.len())
    }

    /// The item with this id, if any.
    pub(crate) fn get(&self, scope: &Scope, id: &str) -> Option<&Value> {
        let collection = self.collections.get(scope)?;
        collection
            .seq_by_id
            .get(id)
            .and_then(|seq| collection.by_seq.get(seq))
    }

    /// Whether an item with this id exists.
    pub(crate) fn contains(&self, scope: &Scope, id: &str) -> bool {
        self.collections
            .get(scope)
            .is_some_and(|c| c.seq_by_id.contains_key(id))
    }

    /// Adds a new item with id `id` at the end of the collection.
    pub(crate) fn insert(&mut self, scope: Scope, id: String, item: Value) {
        self.last_seq += 1;
        let collection = self.collections.entry(scope).or_default();
        collection.by_seq.insert(self.last_seq, item);
        collection.seq_by_id.insert(id, self.last_seq);
    }

    /// Replaces the item with this id, keeping its place; false if there is
    /// none.
    pub(crate) fn replace(&mut self, scope: &Scope, id: &str, item: Value) -> bool {
        let Some(collection) = self.collections.get_mut(scope) else {
            return false;
        };
        match collection.seq_by_id.get(id) {
            Some(seq) => {
                collection.by_seq.insert(*seq, item);
                true
            }
            None => false,
        }
    }

    /// Removes the item with this id (and its member sets) and returns it.
    pub(crate) fn remove(&mut self, scope: &Scope, id: &str) -> Option<Value> {
        let collection = self.collections.get_mut(scope)?;
        let seq = collection.seq_by_id.remove(id)?;
        self.members
            .retain(|(s, item, _), _| !(s == scope && item == id));
        collection.by_seq.remove(&seq)
    }

    /// The items of the collection in creation order.
    pub(crate) fn items(&self, scope: &Scope) -> impl Iterator<Item = &Value> {
        self.collections
            .get(scope)
            .into_iter()
            .flat_map(|c| c.by_seq.values())
    }

    /// Adds `member` to (or with `add` false, takes it out of) the set named
    /// `set` of the item with this id; returns whether the set changed.
    pub(crate) fn change_members(
        &mut self,
        scope: &Scope,
        id: &str,
        set: &'static str,
        member: &str,
        add: bool,
    ) -> bool {
        let key = (scope.clone(), id.to_string(), set);
        if add {
            self.members
                .entry(key)
                .or_default()
                .insert(member.to_string())
        } else {
            let Some(members) = self.members.get_mut(&key) else {
                return false;
            };
            let removed = members.remove(member);
            if members.is_empty() {
                self.members.remove(&key);
            }
            removed
        }
    }

    /// Up to `limit` items created after sequence number `after` (0: from
    /// the first).
    pub(crate) fn page(&self, scope: &Scope, after: u64, limit: usize) -> PageOf<'_> {
        let Some(collection) = self.collections.get(scope) else {
            return PageOf {
                items: Vec::new(),
                next: None,
            };
        };
        let mut rest = collection.by_seq.range(after.saturating_add(1)..);
        let mut items = Vec::with_capacity(limit.min(collection.by_seq.len()));
        let mut last = None;
        for (seq, item) in rest.by_ref().take(limit) {
            items.push(item);
            last = Some(*seq);
        }
        let more = rest.next().is_some();
        PageOf {
            items,
            next: last.filter(|_| more),
        }
    }

    /// The answer remembered for this (API key, idempotency key).
    pub(crate) fn remembered(&self, api_key: &str, key: &str) -> Option<&Remembered> {
        self.idempotent.get(&(api_key.to_string(), key.to_string()))
    }

    pub(crate) fn remember(&mut self, api_key: &str, key: &str, remembered: Remembered) {
        self.idempotent
            .insert((api_key.to_string(), key.to_string()), remembered);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn pages_walk_in_creation_order_per_collection() {
        let mut store = Store::new(&[]);
        let top: Scope = (0, Vec::new());
        let nested: Scope = (1, vec!["a".into()]);
        for i in 0..5 {
            store.insert(top.clone(), format!("t{i}"), json!(i));
            store.insert(nested.clone(), format!("n{i}"), json!(-i));
        }
        let mut seen = Vec::new();
        let mut after = 0;
        loop {
            let page = store.page(&top, after, 2);
            seen.extend(page.items.iter().map(|v| v.as_i64().unwrap()));
            match page.next {
                Some(next) => after = next,
                None => break,
            }
        }
        assert_eq!(seen, [0, 1, 2, 3, 4]);
        assert_eq!(store.page(&top, 0, 5).next, None);
        assert_eq!(store.count(&nested), 5);
        assert_eq!(store.count(&(1, vec!["b".into()])), 0);

        assert!(store.replace(&top, "t1", json!(10)));
        assert_eq!(store.get(&top, "t1"), Some(&json!(10)));
        assert_eq!(store.remove(&top, "t1"), Some(json!(10)));
        assert!(!store.contains(&top, "t1"));
        assert!(!store.replace(&top, "t1", json!(11)));
        let all: Vec<_> = store.page(&top, 0, 10).items.into_iter().cloned().collect();
        assert_eq!(all, [json!(0), json!(2), json!(3), json!(4)]);
    }
}
