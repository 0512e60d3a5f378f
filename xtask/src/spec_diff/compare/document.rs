//! Document-level changes: `openapi`, `info`, tags, the default security,
//! servers, security schemes and component schemas.

use serde_json::Value;

use super::{Differ, Node, show_opt};
use crate::spec::escape_pointer_token;
use crate::spec_diff::Level;

impl Differ<'_> {
    // ---- global ------------------------------------------------------------

    pub(super) fn global(&mut self) {
        let (old, new) = (&self.old.json, &self.new.json);
        if old.get("openapi") != new.get("openapi") {
            self.emit(
                Level::Informational,
                "/openapi",
                "openapi-version-changed",
                format!(
                    "OpenAPI version changed from {} to {}",
                    show_opt(old.get("openapi")),
                    show_opt(new.get("openapi"))
                ),
            );
        }
        let null = Value::Null;
        let (oi, ni) = (
            old.get("info").unwrap_or(&null),
            new.get("info").unwrap_or(&null),
        );
        for key in [
            "title",
            "version",
            "description",
            "contact",
            "license",
            "termsOfService",
        ] {
            if oi.get(key) != ni.get(key) {
                self.emit(
                    Level::Informational,
                    &format!("/info/{key}"),
                    "info-changed",
                    format!("`info.{key}` edited"),
                );
            }
        }
        if old.get("tags") != new.get("tags") {
            self.emit(
                Level::Informational,
                "/tags",
                "tags-changed",
                "the tag list was edited (tags do not shape the client)".into(),
            );
        }
        if old.get("security") != new.get("security") {
            self.emit(
                Level::Informational,
                "/security",
                "default-security-changed",
                "the default security requirement changed; its effect is reported under each operation that uses it".into(),
            );
        }
        self.servers(
            Node {
                value: old.get("servers").unwrap_or(&null),
                pointer: "/servers",
            },
            Node {
                value: new.get("servers").unwrap_or(&null),
                pointer: "/servers",
            },
        );
        self.security_schemes();
        self.component_schemas();
    }

    pub(super) fn servers(&mut self, old: Node<'_>, new: Node<'_>) {
        let urls = |node: Node<'_>| -> Vec<(String, usize)> {
            node.value
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, s)| Some((normalize_url(s.get("url")?.as_str()?), i)))
                .collect()
        };
        let (o, n) = (urls(old), urls(new));
        for (url, i) in &o {
            if !n.iter().any(|(u, _)| u == url) {
                self.emit(
                    Level::Breaking,
                    &format!("{}/{i}/url", old.pointer),
                    "server-removed",
                    format!(
                        "server `{url}` removed; clients configured for it lose their endpoint"
                    ),
                );
            }
        }
        for (url, i) in &n {
            if !o.iter().any(|(u, _)| u == url) {
                self.emit(
                    Level::NonBreaking,
                    &format!("{}/{i}/url", new.pointer),
                    "server-added",
                    format!("server `{url}` added"),
                );
            }
        }
        if let (Some((a, _)), Some((b, _))) = (o.first(), n.first())
            && a != b
            && n.iter().any(|(u, _)| u == a)
        {
            self.emit(
                Level::NonBreaking,
                &format!("{}/0/url", new.pointer),
                "default-server-changed",
                format!(
                    "the first server (the SDK's `DEFAULT_BASE_URL`) changed from `{a}` to `{b}`"
                ),
            );
        }
        for (url, i) in &n {
            if let Some((_, j)) = o.iter().find(|(u, _)| u == url) {
                let (a, b) = (&old.value[*j], &new.value[*i]);
                if a.get("description") != b.get("description") {
                    self.emit(
                        Level::Informational,
                        &format!("{}/{i}/description", new.pointer),
                        "description-changed",
                        format!("server `{url}`: `description` edited"),
                    );
                }
                if a.get("variables") != b.get("variables") {
                    self.emit(
                        Level::Breaking,
                        &format!("{}/{i}/variables", new.pointer),
                        "server-variables-changed",
                        format!("server `{url}`: its variables changed"),
                    );
                }
            }
        }
    }

    fn security_schemes(&mut self) {
        let pointer = "/components/securitySchemes";
        let (old, new) = (
            object_at(&self.old.json, pointer),
            object_at(&self.new.json, pointer),
        );
        for (name, scheme) in old {
            let at = format!("{pointer}/{}", escape_pointer_token(name));
            match new.get(name) {
                None => self.emit(
                    Level::Breaking,
                    &at,
                    "security-scheme-removed",
                    format!("security scheme `{name}` removed"),
                ),
                Some(other) => {
                    let strip = |v: &Value| {
                        let mut v = v.clone();
                        if let Some(map) = v.as_object_mut() {
                            map.remove("description");
                        }
                        v
                    };
                    if strip(scheme) != strip(other) {
                        self.emit(
                            Level::Breaking,
                            &at,
                            "security-scheme-changed",
                            format!("security scheme `{name}` changed how credentials are sent"),
                        );
                    }
                    if scheme.get("description") != other.get("description") {
                        self.emit(
                            Level::Informational,
                            &format!("{at}/description"),
                            "description-changed",
                            format!("security scheme `{name}`: `description` edited"),
                        );
                    }
                }
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                Level::Informational,
                &format!("{pointer}/{}", escape_pointer_token(name)),
                "security-scheme-added",
                format!("security scheme `{name}` added; operations that require it are reported on their own"),
            );
        }
    }

    fn component_schemas(&mut self) {
        let pointer = "/components/schemas";
        let (old, new) = (
            object_at(&self.old.json, pointer),
            object_at(&self.new.json, pointer),
        );
        for name in old.keys().filter(|n| !new.contains_key(*n)) {
            self.emit(
                Level::Breaking,
                &format!("{pointer}/{}", escape_pointer_token(name)),
                "component-schema-removed",
                format!("component schema `{name}` removed, and with it its generated Rust type"),
            );
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                Level::NonBreaking,
                &format!("{pointer}/{}", escape_pointer_token(name)),
                "component-schema-added",
                format!("component schema `{name}` added (a new generated Rust type)"),
            );
        }
    }
}

/// The object at `pointer` in `doc`, or an empty one.
fn object_at<'a>(doc: &'a Value, pointer: &str) -> &'a serde_json::Map<String, Value> {
    static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
    doc.pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new))
}

/// A server URL as clients use it: without a trailing slash, with the scheme
/// and host in lowercase (both are case-insensitive).
fn normalize_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (host, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::normalize_url;

    #[test]
    fn server_urls_compare_without_trailing_slash_or_case() {
        assert_eq!(
            normalize_url("HTTPS://API.Example.com/v1/"),
            "https://api.example.com/v1"
        );
        assert_eq!(normalize_url("https://x.example/"), "https://x.example");
        assert_ne!(
            normalize_url("https://x.example/V1"),
            normalize_url("https://x.example/v1")
        );
    }
}
