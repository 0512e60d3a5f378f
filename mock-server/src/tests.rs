//! The conventions on an invented API (shelves with nested books, a PATCH, a
//! PUT, a DELETE, an example-only operation) that the real spec does not
//! exercise yet, through HTTP against a server of a hand-made table. Every
//! refused request is checked to leave the store as it was.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::Shared;
use crate::model::{
    Action, Field, Find, IdPiece, LastCursor, Operation, Page, Parent, QueryParam, Reply,
    RequestBody, Resource, Scalar, ServerValue, conforms, normalize,
};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Shelf {
    shelf_id: String,
    name: String,
    created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShelfParams {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShelfUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ShelfPage {
    shelves: Vec<Shelf>,
    has_more: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Book {
    book_id: String,
    shelf_id: String,
    title: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookParams {
    title: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookPage {
    data: Vec<Book>,
    more: bool,
    after: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Status {
    ok: bool,
}

const SHELF_ID: &[IdPiece] = &[
    IdPiece::Literal("shf_"),
    IdPiece::Random {
        alphabet: "0123456789abcdef",
        count: 8,
    },
];

static RESOURCES: &[Resource] = &[
    Resource {
        name: "Shelf",
        collection: "/v1/shelves",
        scope_params: &[],
        id_param: "shelfId",
        id_field: "shelfId",
        parent: None,
        fields: &[
            Field {
                name: "shelfId",
                value: ServerValue::Id(SHELF_ID),
            },
            Field {
                name: "createdAt",
                value: ServerValue::Now,
            },
        ],
        clearable: &["note"],
        nullable_required: &[],
        properties: &["shelfId", "name", "createdAt", "note"],
        check: conforms::<Shelf>,
        example: None,
    },
    Resource {
        name: "Book",
        collection: "/v1/shelves/{shelfId}/books",
        scope_params: &["shelfId"],
        id_param: "bookId",
        id_field: "bookId",
        parent: Some(Parent { resource: 0 }),
        fields: &[
            Field {
                name: "bookId",
                value: ServerValue::Id(&[IdPiece::Random {
                    alphabet: "xyz",
                    count: 12,
                }]),
            },
            Field {
                name: "shelfId",
                value: ServerValue::ParentId,
            },
        ],
        clearable: &[],
        nullable_required: &[],
        properties: &["bookId", "shelfId", "title"],
        check: conforms::<Book>,
        example: None,
    },
];

const SHELF_BODY: RequestBody = RequestBody {
    required: true,
    object: true,
    schema: "ShelfParams",
    properties: &["name", "note"],
    formats: &[],
    not_null: &[],
    derived: &[],
    decode: normalize::<ShelfParams>,
};

static OPERATIONS: &[Operation] = &[
    Operation {
        id: "shelves_create",
        method: "POST",
        path: "/v1/shelves",
        behaviour: "",
        path_params: &[],
        action: Action::Create {
            resource: 0,
            set: &[],
            reply: Reply::Item(None),
        },
        status: 201,
        query: &[],
        body: Some(SHELF_BODY),
        response: Some(conforms::<Shelf>),
    },
    Operation {
        id: "shelves_list",
        method: "GET",
        path: "/v1/shelves",
        behaviour: "",
        path_params: &[],
        action: Action::List {
            resource: 0,
            page: Page {
                cursor_param: "from",
                limit_param: Some("n"),
                max_limit: Some(5),
                items_field: "shelves",
                next_cursor_field: "next",
                has_more_field: "hasMore",
                last_cursor: LastCursor::Omit,
                extra: &[],
            },
            item: None,
        },
        status: 200,
        query: &[
            QueryParam {
                name: "from",
                required: false,
                kind: Scalar::String,
                list: None,
                nullable: false,
                format: None,
                check: None,
            },
            QueryParam {
                name: "n",
                required: false,
                kind: Scalar::Integer,
                list: None,
                nullable: false,
                format: None,
                check: None,
            },
        ],
        body: None,
        response: Some(conforms::<ShelfPage>),
    },
    Operation {
        id: "shelves_retrieve",
        method: "GET",
        path: "/v1/shelves/{shelfId}",
        behaviour: "",
        path_params: &[],
        action: Action::Retrieve {
            resource: 0,
            find: Find::Path,
            reply: Reply::Item(None),
        },
        status: 200,
        query: &[],
        body: None,
        response: Some(conforms::<Shelf>),
    },
    Operation {
        id: "shelves_update",
        method: "PATCH",
        path: "/v1/shelves/{shelfId}",
        behaviour: "",
        path_params: &[],
        action: Action::Update {
            resource: 0,
            find: Find::Path,
            reply: Reply::Item(None),
        },
        status: 200,
        query: &[],
        body: Some(RequestBody {
            required: true,
            object: true,
            schema: "ShelfUpdate",
            properties: &["name", "note"],
            formats: &[],
            not_null: &["/name"],
            derived: &[],
            decode: normalize::<ShelfUpdate>,
        }),
        response: Some(conforms::<Shelf>),
    },
    Operation {
        id: "shelves_replace",
        method: "PUT",
        path: "/v1/shelves/{shelfId}",
        behaviour: "",
        path_params: &[],
        action: Action::Replace {
            resource: 0,
            find: Find::Path,
            reply: Reply::Item(None),
        },
        status: 200,
        query: &[],
        body: Some(SHELF_BODY),
        response: Some(conforms::<Shelf>),
    },
    Operation {
        id: "shelves_delete",
        method: "DELETE",
        path: "/v1/shelves/{shelfId}",
        behaviour: "",
        path_params: &[],
        action: Action::Delete {
            resource: 0,
            find: Find::Path,
            reply: Reply::Example(None),
        },
        status: 204,
        query: &[],
        body: None,
        response: None,
    },
    Operation {
        id: "books_create",
        method: "POST",
        path: "/v1/shelves/{shelfId}/books",
        behaviour: "",
        path_params: &[],
        action: Action::Create {
            resource: 1,
            set: &[],
            reply: Reply::Item(None),
        },
        status: 201,
        query: &[],
        body: Some(RequestBody {
            required: true,
            object: true,
            schema: "BookParams",
            properties: &["title"],
            formats: &[],
            not_null: &[],
            derived: &[],
            decode: normalize::<BookParams>,
        }),
        response: Some(conforms::<Book>),
    },
    Operation {
        id: "books_list",
        method: "GET",
        path: "/v1/shelves/{shelfId}/books",
        behaviour: "",
        path_params: &[],
        action: Action::List {
            resource: 1,
            page: Page {
                cursor_param: "after",
                limit_param: None,
                max_limit: None,
                items_field: "data",
                next_cursor_field: "after",
                has_more_field: "more",
                last_cursor: LastCursor::Null,
                extra: &[],
            },
            item: None,
        },
        status: 200,
        query: &[QueryParam {
            name: "after",
            required: false,
            kind: Scalar::String,
            list: None,
            nullable: false,
            format: None,
            check: None,
        }],
        body: None,
        response: Some(conforms::<BookPage>),
    },
    Operation {
        id: "books_retrieve",
        method: "GET",
        path: "/v1/shelves/{shelfId}/books/{bookId}",
        behaviour: "",
        path_params: &[],
        action: Action::Retrieve {
            resource: 1,
            find: Find::Path,
            reply: Reply::Item(None),
        },
        status: 200,
        query: &[],
        body: None,
        response: Some(conforms::<Book>),
    },
    Operation {
        id: "status_get",
        method: "GET",
        path: "/v1/status",
        behaviour: "",
        path_params: &[],
        action: Action::Example {
            body: Some(r#"{"ok":true}"#),
        },
        status: 200,
        query: &[],
        body: None,
        response: Some(conforms::<Status>),
    },
];

const KEY: &str = "sk_test_unit";

struct Api {
    server: crate::MockServer,
    http: reqwest::Client,
}

impl Api {
    async fn start() -> Api {
        let shared = Shared::of(OPERATIONS, RESOURCES, Vec::new());
        let server = crate::spawn_shared(
            crate::Config::default().addr,
            shared,
            crate::Limits::default(),
        )
        .await
        .unwrap();
        Api {
            server,
            http: avara::http_client_builder().unwrap().build().unwrap(),
        }
    }

    /// Sends a request; returns the status and the JSON body (`null` when
    /// empty), checking that an error has the error body.
    async fn send(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", self.server.base_url()),
            )
            .bearer_auth(KEY);
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        assert!(status < 500, "{method} {path}: {status}");
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        if status >= 400 {
            assert!(value["message"].is_string(), "{value}");
            assert!(value["error"].is_string(), "{value}");
        }
        (status, value)
    }

    /// Everything stored, as the API lists it: every shelf and its books.
    async fn snapshot(&self) -> Value {
        let (_, shelves) = self.send("GET", "/v1/shelves?n=5", None).await;
        let mut all = Vec::new();
        for shelf in shelves["shelves"].as_array().unwrap() {
            let id = shelf["shelfId"].as_str().unwrap();
            let (_, books) = self
                .send("GET", &format!("/v1/shelves/{id}/books"), None)
                .await;
            all.push(json!([shelf, books["data"]]));
        }
        Value::Array(all)
    }
}

#[tokio::test]
async fn a_resource_is_created_read_listed_updated_replaced_and_deleted() {
    let api = Api::start().await;
    let (status, shelf) = api
        .send("POST", "/v1/shelves", Some(r#"{"name":"a","note":"n"}"#))
        .await;
    assert_eq!(status, 201, "{shelf}");
    let id = shelf["shelfId"].as_str().unwrap().to_string();
    assert!(id.starts_with("shf_") && id.len() == 12, "{id}");
    assert!(shelf["createdAt"].is_string());
    let item = format!("/v1/shelves/{id}");
    assert_eq!(api.send("GET", &item, None).await, (200, shelf.clone()));

    // Pages in creation order, with this list's own field names.
    let mut ids = vec![id.clone()];
    for i in 0..6 {
        let (_, s) = api
            .send(
                "POST",
                "/v1/shelves",
                Some(&format!(r#"{{"name":"s{i}"}}"#)),
            )
            .await;
        ids.push(s["shelfId"].as_str().unwrap().to_string());
    }
    let (_, first) = api.send("GET", "/v1/shelves", None).await;
    assert_eq!(
        first["shelves"].as_array().unwrap().len(),
        5,
        "max_limit bounds the default"
    );
    let next = first["next"].as_str().unwrap();
    let (_, second) = api
        .send("GET", &format!("/v1/shelves?from={next}"), None)
        .await;
    assert_eq!(second["hasMore"], false);
    assert!(second.get("next").is_none());
    let listed: Vec<&str> = [&first, &second]
        .iter()
        .flat_map(|p| p["shelves"].as_array().unwrap())
        .map(|s| s["shelfId"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids);

    // PATCH merges; `null` clears a nullable field; the id cannot change.
    let (status, patched) = api
        .send("PATCH", &item, Some(r#"{"name":"b","note":null}"#))
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["name"], "b");
    assert!(patched.get("note").is_none());
    assert_eq!(patched["createdAt"], shelf["createdAt"]);
    assert_eq!(api.send("GET", &item, None).await.1, patched);

    // PUT replaces what the body can set and keeps the server's fields.
    let (status, replaced) = api
        .send("PUT", &item, Some(r#"{"name":"c","note":"m"}"#))
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["shelfId"], id.as_str());
    assert_eq!(replaced["createdAt"], shelf["createdAt"]);
    let (_, replaced) = api.send("PUT", &item, Some(r#"{"name":"d"}"#)).await;
    assert!(replaced.get("note").is_none(), "{replaced}");

    // DELETE removes; later reads and writes are 404.
    assert_eq!(api.send("DELETE", &item, None).await, (204, Value::Null));
    for (method, body) in [("GET", None), ("PATCH", Some("{}")), ("DELETE", None)] {
        let (status, error) = api.send(method, &item, body).await;
        assert_eq!(status, 404, "{method}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains("shelfId"),
            "{error}"
        );
    }
    assert_eq!(api.server.count("/v1/shelves").unwrap(), 6);
}

#[tokio::test]
async fn a_nested_collection_is_scoped_to_an_existing_parent() {
    let api = Api::start().await;
    let (_, a) = api
        .send("POST", "/v1/shelves", Some(r#"{"name":"a"}"#))
        .await;
    let (_, b) = api
        .send("POST", "/v1/shelves", Some(r#"{"name":"b"}"#))
        .await;
    let a = a["shelfId"].as_str().unwrap();
    let b = b["shelfId"].as_str().unwrap();
    let (status, book) = api
        .send(
            "POST",
            &format!("/v1/shelves/{a}/books"),
            Some(r#"{"title":"t"}"#),
        )
        .await;
    assert_eq!(status, 201, "{book}");
    assert_eq!(book["shelfId"], a, "the parent id is set by the server");
    let book_id = book["bookId"].as_str().unwrap();
    assert!(book_id.len() == 12 && book_id.chars().all(|c| "xyz".contains(c)));
    let (_, listed) = api
        .send("GET", &format!("/v1/shelves/{a}/books"), None)
        .await;
    assert_eq!(
        listed,
        json!({"data": [book], "more": false, "after": null})
    );
    let (_, other) = api
        .send("GET", &format!("/v1/shelves/{b}/books"), None)
        .await;
    assert_eq!(other["data"], json!([]));
    let (status, _) = api
        .send("GET", &format!("/v1/shelves/{b}/books/{book_id}"), None)
        .await;
    assert_eq!(status, 404, "a book is found only under its own shelf");
    assert_eq!(api.server.count(&format!("/v1/shelves/{a}/books")), Ok(1));

    let before = api.snapshot().await;
    for (method, path, body) in [
        (
            "POST",
            "/v1/shelves/shf_00000000/books",
            Some(r#"{"title":"t"}"#),
        ),
        ("GET", "/v1/shelves/shf_00000000/books", None),
        (
            "GET",
            &format!("/v1/shelves/shf_00000000/books/{book_id}"),
            None,
        ),
    ] {
        let (status, error) = api.send(method, path, body).await;
        assert_eq!(status, 404, "{method} {path}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains("shf_00000000"),
            "{error}"
        );
    }
    assert_eq!(api.snapshot().await, before);

    // Deleting the parent takes the nested collection out of reach.
    api.send("DELETE", &format!("/v1/shelves/{a}"), None).await;
    let (status, _) = api
        .send("GET", &format!("/v1/shelves/{a}/books/{book_id}"), None)
        .await;
    assert_eq!(status, 404);
    assert!(api.server.count(&format!("/v1/shelves/{a}/books")).is_err());
}

#[tokio::test]
async fn refused_requests_change_nothing() {
    let api = Api::start().await;
    let (_, shelf) = api
        .send("POST", "/v1/shelves", Some(r#"{"name":"a","note":"n"}"#))
        .await;
    let id = shelf["shelfId"].as_str().unwrap();
    api.send(
        "POST",
        &format!("/v1/shelves/{id}/books"),
        Some(r#"{"title":"t"}"#),
    )
    .await;
    let item = format!("/v1/shelves/{id}");
    let before = api.snapshot().await;
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        (
            "POST",
            "/v1/shelves".into(),
            Some(""),
            400,
            "body is required",
        ),
        (
            "POST",
            "/v1/shelves".into(),
            Some("{"),
            400,
            "not valid JSON",
        ),
        (
            "POST",
            "/v1/shelves".into(),
            Some("[]"),
            400,
            "must be a JSON object",
        ),
        (
            "POST",
            "/v1/shelves".into(),
            Some(r#"{"name":1}"#),
            400,
            "`name`",
        ),
        (
            "POST",
            "/v1/shelves".into(),
            Some(r#"{"name":"x","y":1}"#),
            400,
            "unknown field `y`",
        ),
        (
            "PATCH",
            item.clone(),
            Some(r#"{"name":null}"#),
            400,
            "`name` cannot be null",
        ),
        (
            "PATCH",
            item.clone(),
            Some(r#"{"shelfId":"shf_1"}"#),
            400,
            "unknown field `shelfId`",
        ),
        ("PATCH", item.clone(), Some("nope"), 400, "not valid JSON"),
        (
            "PUT",
            item.clone(),
            Some(r#"{"note":"only"}"#),
            400,
            "missing field `name`",
        ),
        (
            "GET",
            "/v1/shelves?n=x".into(),
            None,
            400,
            "`n` must be an integer",
        ),
        (
            "GET",
            "/v1/shelves?n=1&n=2".into(),
            None,
            400,
            "more than once",
        ),
        (
            "GET",
            "/v1/shelves?from=garbage".into(),
            None,
            400,
            "`from`",
        ),
        ("GET", "/v1/nothing".into(), None, 404, "no route"),
        ("POST", item.clone(), Some("{}"), 405, "method not allowed"),
        (
            "DELETE",
            "/v1/shelves".into(),
            None,
            405,
            "method not allowed",
        ),
    ];
    for (method, path, body, expected, words) in cases {
        let (status, error) = api.send(method, &path, body).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(words),
            "{method} {path}: `{message}` lacks `{words}`"
        );
        assert_eq!(
            api.snapshot().await,
            before,
            "{method} {path} changed the store"
        );
    }
}

#[tokio::test]
async fn writes_replay_under_an_idempotency_key_and_examples_are_answered() {
    let api = Api::start().await;
    let (_, shelf) = api
        .send("POST", "/v1/shelves", Some(r#"{"name":"a"}"#))
        .await;
    let item = format!(
        "{}/v1/shelves/{}",
        api.server.base_url(),
        shelf["shelfId"].as_str().unwrap()
    );
    let send = |method: reqwest::Method, key: &'static str, body: &'static str| {
        api.http
            .request(method, &item)
            .bearer_auth(KEY)
            .header("idempotency-key", key)
            .body(body)
            .send()
    };
    let first = send(reqwest::Method::PATCH, "p1", r#"{"name":"b"}"#)
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = send(reqwest::Method::PATCH, "p1", r#"{ "name": "b" }"#)
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let reused = send(reqwest::Method::PATCH, "p1", r#"{"name":"c"}"#)
        .await
        .unwrap();
    assert_eq!(reused.status(), 422);

    let deleted = send(reqwest::Method::DELETE, "d1", "").await.unwrap();
    assert_eq!(deleted.status(), 204);
    let replayed = send(reqwest::Method::DELETE, "d1", "").await.unwrap();
    assert_eq!(
        replayed.status(),
        204,
        "a repeated delete answers as the first did"
    );
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");

    assert_eq!(
        api.send("GET", "/v1/status", None).await,
        (200, json!({"ok": true}))
    );
}

#[tokio::test]
async fn seeds_complete_items_and_are_all_or_nothing() {
    let api = Api::start().await;
    let made = api
        .server
        .seed(
            "/v1/shelves",
            [
                json!({"name": "a"}),
                json!({"shelfId": "shf_seeded1", "name": "b"}),
            ],
        )
        .unwrap();
    assert!(made[0]["shelfId"].as_str().unwrap().starts_with("shf_"));
    assert!(made[0]["createdAt"].is_string());
    assert_eq!(made[1]["shelfId"], "shf_seeded1");
    let (status, got) = api.send("GET", "/v1/shelves/shf_seeded1", None).await;
    assert_eq!((status, &got), (200, &made[1]));

    let document = json!({
        "/v1/shelves/shf_seeded1/books": [{"title": "x"}, {"title": "y"}],
        "/v1/shelves": [{"shelfId": "shf_seeded2", "name": "c"}],
        "/v1/shelves/shf_seeded2/books": [{"title": "z"}],
    });
    assert_eq!(api.server.seed_document(&document), Ok(4));
    assert_eq!(api.server.count("/v1/shelves/shf_seeded2/books"), Ok(1));

    for (path, items, words) in [
        (
            "/v1/shelves",
            vec![json!({"name": "ok"}), json!({"name": 5})],
            "[1]",
        ),
        (
            "/v1/shelves",
            vec![json!({"shelfId": "shf_seeded1", "name": "dup"})],
            "already exists",
        ),
        (
            "/v1/shelves",
            vec![
                json!({"shelfId": "x", "name": "a"}),
                json!({"shelfId": "x", "name": "b"}),
            ],
            "twice",
        ),
        ("/v1/shelves", vec![json!("text")], "JSON object"),
        (
            "/v1/shelves/shf_none/books",
            vec![json!({"title": "t"})],
            "shf_none",
        ),
        ("/v1/elsewhere", vec![json!({})], "no collection"),
    ] {
        let error = api.server.seed(path, items).unwrap_err();
        assert!(error.contains(words), "{path}: `{error}` lacks `{words}`");
    }
    assert_eq!(
        api.server.count("/v1/shelves"),
        Ok(3),
        "a failed seed adds nothing"
    );
}
