//! JSON-RPC 2.0 request ids exactly as the specification has them, in front of jsonrpsee,
//! which accepts only `null`, strings and integers that fit a `u64`, and treats a request with
//! any other id as a notification (no answer, the method not run).
//!
//! [`prepare`] reads an HTTP body (one request or a batch) and, only where needed, rewrites
//! it before jsonrpsee sees it:
//! - an id that is a valid JSON number jsonrpsee cannot hold (`-1`, `2^64`, `1.5`, `1e3`), or
//!   a string jsonrpsee cannot decode (a lone UTF-16 surrogate), is replaced by a unique
//!   placeholder string, and [`restore`] puts the original text back into the response;
//! - an id that is neither a string, a number nor null (`true`, `{}`, `[]`), and a request
//!   with more than one `"id"` member, become an invalid request, answered `-32600` with id
//!   `null`.
//!
//! Bodies that are not JSON, and elements that are not objects, pass unchanged: jsonrpsee
//! answers them with its parse and invalid-request errors.

use std::sync::atomic::{AtomicU64, Ordering};

use hyper::body::Bytes;
use serde::{
    Deserialize, Deserializer,
    de::{MapAccess, Visitor},
};
use serde_json::value::RawValue;

/// A body ready for jsonrpsee, and what [`restore`] must put back in its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    /// The body to hand to jsonrpsee (the original when nothing needed rewriting).
    pub(crate) body: Bytes,
    /// Placeholder string → the id's original JSON text (`null` for invalid ids).
    pub(crate) restore: Vec<(String, String)>,
}

/// Rewrites the ids of `body` that jsonrpsee would mishandle (see the module doc).
pub(crate) fn prepare(body: Bytes) -> Prepared {
    let unchanged = |body| Prepared { body, restore: Vec::new() };
    let Ok(text) = std::str::from_utf8(&body) else { return unchanged(body) };
    let trimmed = text.trim_start();
    let mut restore = Vec::new();
    let rewritten = if trimmed.starts_with('[') {
        let Ok(elements) = serde_json::from_str::<Vec<&RawValue>>(text) else {
            return unchanged(body);
        };
        let mut out = Vec::with_capacity(elements.len());
        let mut changed = false;
        for element in elements {
            match rewrite_request(element, &mut restore) {
                Some(new) => {
                    changed = true;
                    out.push(new);
                }
                None => out.push(element.get().to_string()),
            }
        }
        changed.then(|| format!("[{}]", out.join(",")))
    } else {
        match serde_json::from_str::<&RawValue>(text) {
            Ok(request) => rewrite_request(request, &mut restore),
            Err(_) => None,
        }
    };
    match rewritten {
        Some(text) => Prepared { body: Bytes::from(text), restore },
        None => unchanged(body),
    }
}

/// Puts the original ids back into jsonrpsee's `response` to a [`prepare`]d body.
pub(crate) fn restore(response: Bytes, restore: &[(String, String)]) -> Bytes {
    if restore.is_empty() {
        return response;
    }
    let mut out = response.to_vec();
    for (placeholder, original) in restore {
        let quoted = format!("\"{placeholder}\"");
        if let Some(at) = find(&out, quoted.as_bytes()) {
            out.splice(at..at + quoted.len(), original.bytes());
        }
    }
    Bytes::from(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The members of a JSON object, in order: each name's bytes (undecodable escapes such as a lone
/// surrogate kept as serde_json reads them for bytes) and the raw value, borrowed from the
/// object's text.
struct Members<'a>(Vec<(Vec<u8>, &'a RawValue)>);

/// A member name as bytes: no UTF-16 validation, so a name like `"\ud800"` does not stop the
/// ids of the request from being read.
struct Name(Vec<u8>);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = Name;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Name, E> {
                Ok(Name(v.to_vec()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Name, E> {
                Ok(Name(v.as_bytes().to_vec()))
            }
        }
        deserializer.deserialize_bytes(NameVisitor)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'a>, M::Error> {
                let mut members = Vec::new();
                while let Some((Name(name), value)) = map.next_entry::<Name, &'de RawValue>()? {
                    members.push((name, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

/// What an id is to jsonrpsee.
enum IdShape {
    /// `null`, a decodable string or a `u64`: jsonrpsee handles it.
    Handled,
    /// A valid id jsonrpsee cannot hold: echo its text back.
    Echo,
    /// Not a valid id (or several): an invalid request.
    Invalid,
}

fn id_shape(raw: &str) -> IdShape {
    match raw.as_bytes().first() {
        Some(b'n') => IdShape::Handled,
        Some(b'"') if serde_json::from_str::<String>(raw).is_ok() => IdShape::Handled,
        Some(b'"') => IdShape::Echo,
        Some(b'0'..=b'9')
            if raw.bytes().all(|b| b.is_ascii_digit()) && raw.parse::<u64>().is_ok() =>
        {
            IdShape::Handled
        }
        Some(b'-' | b'0'..=b'9') => IdShape::Echo,
        _ => IdShape::Invalid,
    }
}

/// A placeholder id no client sends: a per-process random prefix and a counter.
fn placeholder() -> String {
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new().build_hasher().finish()
    });
    format!("manifold-id-{prefix:016x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `request` with its id rewritten if jsonrpsee would mishandle it; `None` when it needs no
/// rewriting (or is not an object).
fn rewrite_request(request: &RawValue, restore: &mut Vec<(String, String)>) -> Option<String> {
    let text = request.get();
    let Members(members) = serde_json::from_str(text).ok()?;
    let ids: Vec<&RawValue> =
        members.iter().filter(|(name, _)| name == b"id").map(|(_, value)| *value).collect();
    let shape = match ids.as_slice() {
        [] => return None,
        [id] => id_shape(id.get()),
        _ => IdShape::Invalid,
    };
    let placeholder = placeholder();
    let quoted = format!("\"{placeholder}\"");
    match shape {
        IdShape::Handled => None,
        IdShape::Echo => {
            // The id's raw text is a slice of the request's text: splice the placeholder in,
            // leaving every other byte as the client sent it.
            let id = ids[0].get();
            let start = (id.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
            let end = start + id.len();
            if end > text.len() || &text[start..end] != id {
                return None;
            }
            restore.push((placeholder, id.to_string()));
            Some(format!("{}{quoted}{}", &text[..start], &text[end..]))
        }
        IdShape::Invalid => {
            // A request jsonrpsee refuses as invalid (`method` is not a string), with an id it
            // echoes, which becomes `null` again.
            restore.push((placeholder, "null".to_string()));
            Some(format!(r#"{{"jsonrpc":"2.0","id":{quoted},"method":null}}"#))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(body: &str) -> Prepared {
        prepare(Bytes::from(body.to_string()))
    }

    #[test]
    fn ids_jsonrpsee_handles_pass_unchanged() {
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"eth_blockNumber"}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"eth_blockNumber"}"#,
            r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"eth_blockNumber"}"#,
            r#"{"jsonrpc":"2.0","method":"eth_blockNumber"}"#,
            r#"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}, 5]"#,
            "not json",
        ] {
            let out = prepared(body);
            assert_eq!(out.body, body.as_bytes(), "{body}");
            assert!(out.restore.is_empty());
        }
    }

    #[test]
    fn other_numbers_and_undecodable_strings_are_echoed() {
        for id in ["-1", "18446744073709551616", "1.5", "1e3", r#""\ud800""#] {
            let body =
                format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"eth_chainId","params":[]}}"#);
            let out = prepared(&body);
            let (placeholder, original) = &out.restore[0];
            assert_eq!(original, id);
            let rewritten: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
            assert_eq!(rewritten["id"], serde_json::json!(placeholder));
            assert_eq!(rewritten["method"], "eth_chainId");
            assert_eq!(rewritten["params"], serde_json::json!([]));
            let response = format!(r#"{{"jsonrpc":"2.0","id":"{placeholder}","result":"0x1"}}"#);
            let restored = restore(Bytes::from(response), &out.restore);
            assert_eq!(
                std::str::from_utf8(&restored).unwrap(),
                format!(r#"{{"jsonrpc":"2.0","id":{id},"result":"0x1"}}"#)
            );
        }
    }

    #[test]
    fn non_scalar_and_duplicate_ids_become_invalid_requests() {
        for body in [
            r#"{"jsonrpc":"2.0","id":true,"method":"eth_chainId"}"#,
            r#"{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}"#,
            r#"{"jsonrpc":"2.0","id":[],"method":"eth_chainId"}"#,
            r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"eth_chainId"}"#,
        ] {
            let out = prepared(body);
            assert_eq!(out.restore[0].1, "null", "{body}");
            let rewritten: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
            assert_eq!(rewritten["method"], serde_json::Value::Null);
        }
    }

    #[test]
    fn undecodable_member_names_do_not_hide_the_id() {
        let body = r#"{"\ud800":0,"jsonrpc":"2.0","id":-1,"method":"eth_chainId"}"#;
        let out = prepared(body);
        assert_eq!(out.restore.len(), 1, "the id is rewritten");
        assert_eq!(out.restore[0].1, "-1");
        let text = std::str::from_utf8(&out.body).unwrap();
        assert!(text.starts_with(r#"{"\ud800":0,"jsonrpc":"2.0","id":"manifold-id-"#), "{text}");
    }

    #[test]
    fn batches_rewrite_only_the_elements_that_need_it() {
        let body =
            r#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":-7,"method":"b"}]"#;
        let out = prepared(body);
        let rewritten: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
        assert_eq!(rewritten[0]["id"], 1);
        assert_eq!(rewritten[1]["id"], serde_json::json!(out.restore[0].0));
        assert_eq!(out.restore[0].1, "-7");
    }
}
