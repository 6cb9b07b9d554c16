//! Turning TOML text plus overrides into a validated [`NodeConfig`], with errors that
//! point at the file, line and key.
//!
//! The steps: parse the text into a `toml::Table` (syntax errors); deserialize the text
//! as it is into [`NodeConfig`] (unknown keys and wrong types, with positions); apply the
//! overrides to the table and deserialize again (an override of the wrong type is
//! reported as that override); finally [`NodeConfig::validate`].

use serde::Deserialize;

use crate::{ConfigError, NodeConfig, Overrides};

/// Parses `text` (from `origin`, a path or `<string>`), applies `overrides`, validates.
pub(crate) fn parse(
    text: &str,
    origin: &str,
    overrides: &Overrides,
) -> Result<NodeConfig, ConfigError> {
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| toml_error(&e, text, origin, false))?;
    let from_file: NodeConfig =
        toml::from_str(text).map_err(|e| toml_error(&e, text, origin, true))?;
    let mut config = from_file;
    // Each effective override is applied and checked on its own, so a value that does not
    // deserialize is reported as the override that set it.
    for o in overrides.effective() {
        o.apply_to(&mut table)?;
        config = NodeConfig::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
            let mut reason = e.message().trim().replace('\n', "; ");
            if let Some(example) = default_example(&o.key) {
                reason.push_str(&format!("; e.g. {example}"));
            }
            o.invalid(reason)
        })?;
    }
    config.validate()?;
    Ok(config)
}

/// Builds a [`ConfigError::Toml`] with the position, key path and a fix.
fn toml_error(err: &toml::de::Error, text: &str, origin: &str, typed: bool) -> ConfigError {
    let message = err.message().trim().replace('\n', "; ");
    let (line, column, key) = match err.span() {
        Some(span) => locate(text, span.start),
        None => (0, 0, None),
    };
    let fix = if !typed {
        "fix the TOML syntax here: one `key = value` per line, strings in double quotes, \
         sections as [section]"
    } else if message.contains("unknown field") {
        "remove this key or correct its spelling to one of the expected keys listed"
    } else if message.contains("unknown variant") {
        "use one of the expected values listed, in lowercase and double quotes"
    } else if ["string length", "invalid character", "odd number"]
        .iter()
        .any(|m| message.contains(m))
    {
        "write 0x-hex of the right length: addresses are 20 bytes (40 hex digits), storage \
         slots and values 32 bytes (64 hex digits)"
    } else if message.contains("invalid type") {
        "write the value with the expected type: numbers without quotes; addresses, paths, \
         hex bytes and balances in double quotes"
    } else {
        "write a value of the expected form"
    };
    let fix = match key.as_deref().and_then(default_example) {
        Some(example) if typed => format!("{fix}; e.g. {example}"),
        _ => fix.to_owned(),
    };
    ConfigError::Toml { origin: origin.to_owned(), line, column, key, message, fix }
}

/// `leaf = <default value>` for a dotted key that has a default, e.g.
/// `listen = "127.0.0.1:8545"` for `rpc.listen`.
fn default_example(key: &str) -> Option<String> {
    let defaults = toml::Value::try_from(NodeConfig::default()).ok()?;
    let value = key.split('.').try_fold(&defaults, |v, k| v.get(k.trim_matches('"')))?;
    let leaf = key.rsplit('.').next()?;
    (!value.is_table()).then(|| format!("{leaf} = {value}"))
}

/// 1-based line and column of byte `offset`, and the dotted key path on that line: the
/// enclosing `[section]` header joined with the key before `=` (or the header itself).
fn locate(text: &str, offset: usize) -> (usize, usize, Option<String>) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;

    let header_of = |l: &str| {
        let l = l.trim();
        (l.starts_with('[') && !l.starts_with("[[")).then(|| {
            let inner = l.trim_start_matches('[');
            inner.split(']').next().unwrap_or_default().replace(' ', "")
        })
    };
    let current_line = text[line_start..].lines().next().unwrap_or_default();
    if let Some(header) = header_of(current_line) {
        return (line, column, Some(header));
    }
    let section = text[..line_start].lines().rev().find_map(header_of);
    let key = current_line
        .split_once('=')
        .map(|(k, _)| k.trim().replace(' ', ""))
        .filter(|k| !k.is_empty() && !k.starts_with('#'));
    let path = match (section, key) {
        (Some(s), Some(k)) => Some(format!("{s}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(s), None) => Some(s),
        (None, None) => None,
    };
    (line, column, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_example_shows_the_default_of_a_leaf() {
        assert_eq!(default_example("rpc.listen").as_deref(), Some("listen = \"127.0.0.1:8545\""));
        assert_eq!(default_example("chain.block_time_ms").as_deref(), Some("block_time_ms = 250"));
        assert_eq!(default_example("chain"), None);
        assert_eq!(default_example("genesis.alloc.\"0x01\".balance"), None);
    }

    #[test]
    fn locate_finds_line_column_and_key_path() {
        let text = "data_dir = \"/x\"\n[chain]\nchain_id = 5\n\n[da.local]\n  path = 3\n";
        let offset = text.find("3\n").unwrap();
        assert_eq!(locate(text, offset), (6, 10, Some("da.local.path".into())));
        assert_eq!(locate(text, 2), (1, 3, Some("data_dir".into())));
        assert_eq!(locate(text, text.find("[da").unwrap()), (5, 1, Some("da.local".into())));
    }
}
