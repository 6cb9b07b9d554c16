//! geth's decoding of positional parameters, and its error texts, for every method the
//! Ethereum endpoint serves.
//!
//! geth decodes `params` one element at a time into the Go types of the method's arguments
//! (`rpc/json.go`), and answers the first failure with `-32602` and a message, no `data`:
//!
//! | failure                                  | message                                                   |
//! |------------------------------------------|-----------------------------------------------------------|
//! | element `i` beyond the method's last     | `too many arguments, want at most N`                      |
//! | element `i` does not decode              | `invalid argument i: <the Go decoder's text>`             |
//! | a required argument `i` left out         | `missing value for required argument i`                   |
//!
//! The decoder's texts are those of `common/hexutil` and `encoding/json`, e.g.
//! `json: cannot unmarshal hex string of odd length into Go value of type common.Address`,
//! `hex string has length 38, want 40 for common.Address`, `hex string without 0x prefix`
//! (a block number), `invalid hex or decimal integer "x"` (`eth_feeHistory`'s count).
//! A few checks geth makes in the handler itself, before touching state, are made here as
//! well and answered without the `invalid argument i:` prefix (storage keys: `invalid hex in
//! storage key: "0xzz"`).
//!
//! Each parameter is a [`Param`]: the geth type it decodes as ([`Geth`]), whether it is
//! required, and the Rust type the handler takes. An element that passes geth's check is
//! also decoded as the Rust type, so that a parameter geth would take but our type refuses
//! still gets a geth-shaped answer (`invalid argument i: <serde's text>`), never jsonrpsee's
//! `Invalid params` with `data`. Methods geth does not have (the dev methods, `manifold_*`)
//! use [`Geth::Any`]: only the Rust type's check.
//!
//! A new method gets all this by one row in `strict_calls::METHODS`, e.g.
//! `("debug_traceTransaction", &[req::<B256>(Geth::Hash), opt::<Value>(Geth::Any)], Call)`.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, value::RawValue};

/// The geth type a parameter decodes as, which decides its error texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Geth {
    /// `common.Address`: `0x` and exactly 40 hex digits.
    Address,
    /// `common.Hash`: `0x` and exactly 64 hex digits.
    Hash,
    /// `hexutil.Bytes`: `0x` and an even number of hex digits.
    Bytes,
    /// `hexutil.Uint`: a hex quantity without leading zeros (an index).
    Uint,
    /// `rpc.BlockNumber`: a tag or a hex quantity.
    BlockNumber,
    /// `rpc.BlockNumberOrHash`: a tag, a hex quantity, a hash or `{blockNumber | blockHash}`.
    BlockNumberOrHash,
    /// `bool`.
    Bool,
    /// `rpc.ID`: a string (a filter id).
    Id,
    /// A storage key as `eth_getStorageAt` takes it: a string of at most 64 hex digits.
    StorageKey,
    /// `eth_getProof`'s keys: an array of at most 1024 storage keys.
    StorageKeys,
    /// `math.HexOrDecimal64`: a hex or decimal integer, quoted or not.
    HexOrDecimal64,
    /// `[]float64`.
    Floats,
    /// `ethapi.TransactionArgs`: a call or transaction object.
    TxArgs,
    /// `filters.FilterCriteria`: a log filter object.
    Filter,
    /// No geth type (or one with no checks we mirror): only the Rust type's check.
    Any,
}

/// One positional parameter of a method.
#[derive(Clone, Copy)]
pub(crate) struct Param {
    /// The geth type it decodes as.
    pub(crate) geth: Geth,
    /// Whether leaving it out is an error (a non-`Option` argument of the handler).
    pub(crate) required: bool,
    /// Decodes it as the handler's Rust type; the error is serde's text.
    rust: fn(&str) -> Result<(), String>,
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Param").field("geth", &self.geth).field("required", &self.required).finish()
    }
}

/// A required parameter of Rust type `T` that geth decodes as `geth`.
pub(crate) const fn req<T: DeserializeOwned>(geth: Geth) -> Param {
    Param { geth, required: true, rust: decodes_as::<T> }
}

/// An optional parameter (`Option<T>` in the handler; `null` counts as left out).
pub(crate) const fn opt<T: DeserializeOwned>(geth: Geth) -> Param {
    Param { geth, required: false, rust: decodes_as::<T> }
}

/// Whether `raw` decodes as `T`; serde's text without its position suffix if not.
fn decodes_as<T: DeserializeOwned>(raw: &str) -> Result<(), String> {
    serde_json::from_str::<T>(raw).map(drop).map_err(|e| {
        let text = e.to_string();
        match text.rfind(" at line ") {
            Some(at) => text[..at].to_string(),
            None => text,
        }
    })
}

/// Why geth refuses a call's params: the message of its `-32602` answer.
pub(crate) fn refusal(params: &[Param], args: &[&RawValue]) -> Option<String> {
    for (i, arg) in args.iter().enumerate() {
        let Some(param) = params.get(i) else {
            return Some(format!("too many arguments, want at most {}", params.len()));
        };
        let raw = arg.get();
        let Ok(value) = serde_json::from_str::<Value>(raw) else {
            return Some(format!("invalid argument {i}: invalid JSON"));
        };
        if value.is_null() && !param.required {
            continue;
        }
        match check(param.geth, &value) {
            Ok(()) => {}
            Err(Failure::Decode(why)) => return Some(format!("invalid argument {i}: {why}")),
            Err(Failure::Handler(why)) => return Some(why),
        }
        if let Err(why) = (param.rust)(raw) {
            return Some(format!("invalid argument {i}: {why}"));
        }
    }
    (args.len()..params.len())
        .find(|&i| params[i].required)
        .map(|i| format!("missing value for required argument {i}"))
}

/// How a parameter fails geth's checks.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// While decoding: answered as `invalid argument i: <text>`.
    Decode(String),
    /// In geth's handler: answered with the text alone.
    Handler(String),
}

use Failure::{Decode, Handler};

/// geth's checks of one parameter of type `geth`.
fn check(geth: Geth, value: &Value) -> Result<(), Failure> {
    match geth {
        Geth::Address => fixed(value, "common.Address", "common.Address", 20).map_err(Decode),
        Geth::Hash => fixed(value, "common.Hash", "common.Hash", 32).map_err(Decode),
        Geth::Bytes => bytes(value, "hexutil.Bytes").map_err(Decode),
        Geth::Uint => uint(value).map_err(Decode),
        Geth::BlockNumber => block_number(value).map_err(Decode),
        Geth::BlockNumberOrHash => block_number_or_hash(value).map_err(Decode),
        Geth::Bool => go_value(value, "bool", Value::is_boolean).map_err(Decode),
        Geth::Id => go_value(value, "rpc.ID", Value::is_string).map_err(Decode),
        Geth::StorageKey => {
            go_value(value, "string", Value::is_string).map_err(Decode)?;
            value.as_str().map_or(Ok(()), storage_key).map_err(Handler)
        }
        Geth::StorageKeys => storage_keys(value),
        Geth::HexOrDecimal64 => hex_or_decimal(value).map_err(Decode),
        Geth::Floats => floats(value).map_err(Decode),
        Geth::TxArgs => tx_args(value).map_err(Decode),
        Geth::Filter => filter(value).map_err(Decode),
        Geth::Any => Ok(()),
    }
}

/// `encoding/json`'s name for the kind of a JSON value.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `encoding/json`'s `UnmarshalTypeError` text for a top-level value.
fn type_error(what: &str, go_type: &str) -> String {
    format!("json: cannot unmarshal {what} into Go value of type {go_type}")
}

/// A plain Go value of type `go_type` (no `UnmarshalJSON`): `null` leaves it be, a JSON
/// value of another kind is a type error.
fn go_value(value: &Value, go_type: &str, fits: fn(&Value) -> bool) -> Result<(), String> {
    if value.is_null() || fits(value) { Ok(()) } else { Err(type_error(json_kind(value), go_type)) }
}

// hexutil's decoding errors.
const EMPTY_STRING: &str = "empty hex string";
const SYNTAX: &str = "invalid hex string";
const MISSING_PREFIX: &str = "hex string without 0x prefix";
const ODD_LENGTH: &str = "hex string of odd length";
const EMPTY_NUMBER: &str = "hex string \"0x\"";
const LEADING_ZERO: &str = "hex number with leading zero digits";
const UINT64_RANGE: &str = "hex number > 64 bits";
const BIG256_RANGE: &str = "hex number > 256 bits";

fn strip_0x(text: &str) -> Option<&str> {
    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
}

fn all_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// hexutil's `checkText` with the prefix required: the digits of `text` (an empty string
/// is allowed and has none).
fn check_text(text: &str) -> Result<&str, &'static str> {
    if text.is_empty() {
        return Ok("");
    }
    let digits = strip_0x(text).ok_or(MISSING_PREFIX)?;
    if digits.len() % 2 != 0 {
        return Err(ODD_LENGTH);
    }
    Ok(digits)
}

/// hexutil's `checkNumberText`: the digits of a quantity (an empty string is zero).
fn check_number_text(text: &str) -> Result<&str, &'static str> {
    if text.is_empty() {
        return Ok("");
    }
    let digits = strip_0x(text).ok_or(MISSING_PREFIX)?;
    if digits.is_empty() {
        return Err(EMPTY_NUMBER);
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(LEADING_ZERO);
    }
    Ok(digits)
}

/// A fixed-size hex value (`common.Address`, `common.Hash`): hexutil's
/// `UnmarshalFixedJSON`.
fn fixed(value: &Value, go_type: &str, name: &str, size: usize) -> Result<(), String> {
    let Some(text) = value.as_str() else { return Err(type_error("non-string", go_type)) };
    let digits = check_text(text).map_err(|e| type_error(e, go_type))?;
    if digits.len() != size * 2 {
        return Err(format!(
            "hex string has length {}, want {} for {name}",
            digits.len(),
            size * 2
        ));
    }
    if !all_hex(digits) {
        return Err(type_error(SYNTAX, go_type));
    }
    Ok(())
}

/// `hexutil.Bytes`.
fn bytes(value: &Value, go_type: &str) -> Result<(), String> {
    let Some(text) = value.as_str() else { return Err(type_error("non-string", go_type)) };
    let digits = check_text(text).map_err(|e| type_error(e, go_type))?;
    if !all_hex(digits) {
        return Err(type_error(SYNTAX, go_type));
    }
    Ok(())
}

/// A hex quantity of at most `max_digits` digits (`hexutil.Uint64`, `Uint`, `*Big`).
fn quantity(value: &Value, go_type: &str, max_digits: usize, range: &str) -> Result<(), String> {
    let Some(text) = value.as_str() else { return Err(type_error("non-string", go_type)) };
    let digits = check_number_text(text).map_err(|e| type_error(e, go_type))?;
    if digits.len() > max_digits {
        return Err(type_error(range, go_type));
    }
    if !all_hex(digits) {
        return Err(type_error(SYNTAX, go_type));
    }
    Ok(())
}

/// `hexutil.Uint` (an index; 64 bits wide on geth's platforms).
fn uint(value: &Value) -> Result<(), String> {
    quantity(value, "hexutil.Uint", 16, UINT64_RANGE)
}

/// hexutil's `DecodeUint64` of a string (its errors are returned bare).
fn decode_uint64(text: &str) -> Result<u64, &'static str> {
    if text.is_empty() {
        return Err(EMPTY_STRING);
    }
    let digits = strip_0x(text).ok_or(MISSING_PREFIX)?;
    if digits.is_empty() {
        return Err(EMPTY_NUMBER);
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(LEADING_ZERO);
    }
    if !all_hex(digits) {
        return Err(SYNTAX);
    }
    u64::from_str_radix(digits, 16).map_err(|_| UINT64_RANGE)
}

/// The block tags geth knows.
const TAGS: [&str; 5] = ["earliest", "latest", "pending", "finalized", "safe"];

/// `rpc.BlockNumber`: its `UnmarshalJSON` strips the quotes of a string and reads the rest
/// as a tag or a hex number; anything else (a JSON number, `true`) fails the hex decoding.
fn block_number(value: &Value) -> Result<(), String> {
    let raw = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let text = raw.trim();
    if TAGS.contains(&text) {
        return Ok(());
    }
    let number = decode_uint64(text)?;
    if number > i64::MAX as u64 {
        return Err("block number larger than int64".into());
    }
    Ok(())
}

/// `rpc.BlockNumberOrHash`.
fn block_number_or_hash(value: &Value) -> Result<(), String> {
    if value.is_null() {
        return Err("must specify either BlockHash or BlockNumber".into());
    }
    if let Value::Object(fields) = value {
        // The object form; if a field does not decode, geth tries the value as a string.
        let field = |key: &str| fields.get(key).filter(|v| !v.is_null());
        let number_ok = field("blockNumber").is_none_or(|v| block_number(v).is_ok());
        let hash_ok =
            field("blockHash").is_none_or(|v| fixed(v, "common.Hash", "common.Hash", 32).is_ok());
        let canonical_ok =
            fields.get("requireCanonical").is_none_or(|v| v.is_null() || v.is_boolean());
        if number_ok && hash_ok && canonical_ok {
            return match (field("blockNumber"), field("blockHash")) {
                (Some(_), Some(_)) => {
                    Err("cannot specify both BlockHash and BlockNumber, choose one or the other"
                        .into())
                }
                (None, None) => Err("must specify either BlockHash or BlockNumber".into()),
                _ => Ok(()),
            };
        }
        return Err(type_error("object", "string"));
    }
    let Some(text) = value.as_str() else { return Err(type_error(json_kind(value), "string")) };
    if TAGS.contains(&text) {
        return Ok(());
    }
    if text.len() == 66 {
        // `common.Hash`'s `UnmarshalText`: its errors bare.
        let digits = check_text(text)?;
        return if all_hex(digits) { Ok(()) } else { Err(SYNTAX.into()) };
    }
    let number = decode_uint64(text)?;
    if number > i64::MAX as u64 {
        return Err("blocknumber too high".into());
    }
    Ok(())
}

/// The most storage keys one `eth_getProof` takes (geth's `maxGetProofKeys`).
const MAX_PROOF_KEYS: usize = 1024;

/// geth's `decodeStorageKey`, with the handler's error text.
fn storage_key(text: &str) -> Result<(), String> {
    let digits = strip_0x(text).unwrap_or(text);
    // An odd count gets a leading zero.
    if digits.len().div_ceil(2) * 2 > 64 {
        return Err(format!("storage key too long (want at most 32 bytes): {text:?}"));
    }
    if !all_hex(digits) {
        return Err(format!("invalid hex in storage key: {text:?}"));
    }
    Ok(())
}

/// `eth_getProof`'s `[]string` of storage keys.
fn storage_keys(value: &Value) -> Result<(), Failure> {
    let keys = match value {
        Value::Null => return Ok(()),
        Value::Array(keys) => keys,
        other => return Err(Decode(type_error(json_kind(other), "[]string"))),
    };
    if let Some(bad) = keys.iter().find(|k| !k.is_string() && !k.is_null()) {
        return Err(Decode(type_error(json_kind(bad), "string")));
    }
    if keys.len() > MAX_PROOF_KEYS {
        return Err(Handler(format!(
            "too many storage keys requested (max {MAX_PROOF_KEYS}, got {})",
            keys.len()
        )));
    }
    keys.iter().filter_map(Value::as_str).try_for_each(storage_key).map_err(Handler)
}

/// `math.HexOrDecimal64`: quotes stripped, then hex (`0x`) or decimal.
fn hex_or_decimal(value: &Value) -> Result<(), String> {
    let raw = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let ok = match strip_0x(&raw) {
        _ if raw.is_empty() => true,
        Some(hex) => u64::from_str_radix(hex, 16).is_ok() && !hex.starts_with('+'),
        None => raw.parse::<u64>().is_ok() && !raw.starts_with('+'),
    };
    if ok { Ok(()) } else { Err(format!("invalid hex or decimal integer {raw:?}")) }
}

/// `[]float64`.
fn floats(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::Array(items) => match items.iter().find(|v| !v.is_number() && !v.is_null()) {
            Some(bad) => Err(type_error(json_kind(bad), "float64")),
            None => Ok(()),
        },
        other => Err(type_error(json_kind(other), "[]float64")),
    }
}

/// `encoding/json`'s `UnmarshalTypeError` text for a field of a struct.
fn field_error(what: &str, strukt: &str, field: &str, go_type: &str) -> String {
    format!("json: cannot unmarshal {what} into Go struct field {strukt}.{field} of type {go_type}")
}

/// Re-labels a top-level type error of a field's value as the field's.
fn in_field(error: String, strukt: &str, field: &str) -> String {
    match error.strip_prefix("json: cannot unmarshal ") {
        Some(rest) => match rest.split_once(" into Go value of type ") {
            Some((what, go_type)) => field_error(what, strukt, field, go_type),
            None => error,
        },
        None => error,
    }
}

/// The hex fields of `ethapi.TransactionArgs`, with their Go types.
const TX_FIELDS: [(&str, &str); 12] = [
    ("from", "common.Address"),
    ("to", "common.Address"),
    ("gas", "hexutil.Uint64"),
    ("gasPrice", "*hexutil.Big"),
    ("maxFeePerGas", "*hexutil.Big"),
    ("maxPriorityFeePerGas", "*hexutil.Big"),
    ("maxFeePerBlobGas", "*hexutil.Big"),
    ("value", "*hexutil.Big"),
    ("nonce", "hexutil.Uint64"),
    ("data", "hexutil.Bytes"),
    ("input", "hexutil.Bytes"),
    ("chainId", "*hexutil.Big"),
];

/// One field of a Go struct, decoded as its hex type.
fn hex_field(value: &Value, go_type: &str) -> Result<(), String> {
    match go_type {
        "common.Address" => fixed(value, go_type, go_type, 20),
        "common.Hash" => fixed(value, go_type, go_type, 32),
        "hexutil.Uint64" => quantity(value, go_type, 16, UINT64_RANGE),
        "*hexutil.Big" => quantity(value, go_type, 64, BIG256_RANGE),
        _ => bytes(value, go_type),
    }
}

/// `ethapi.TransactionArgs`: an object whose hex fields decode in the order given.
fn tx_args(value: &Value) -> Result<(), String> {
    let fields = match value {
        Value::Null => return Ok(()),
        Value::Object(fields) => fields,
        other => return Err(type_error(json_kind(other), "ethapi.TransactionArgs")),
    };
    for (key, field) in fields {
        let Some(&(_, go_type)) = TX_FIELDS.iter().find(|(name, _)| name == key) else {
            continue;
        };
        if field.is_null() {
            continue;
        }
        hex_field(field, go_type).map_err(|e| in_field(e, "TransactionArgs", key))?;
    }
    Ok(())
}

/// The most topic positions of a filter, and alternatives in one position (geth's).
const MAX_TOPICS: usize = 4;
const MAX_SUB_TOPICS: usize = 1000;

/// hexutil's `Decode` of a filter's address or topic, of `size` bytes.
fn decode_hex(text: &str, size: usize, what: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(EMPTY_STRING.into());
    }
    let digits = strip_0x(text).ok_or(MISSING_PREFIX)?;
    // Go's hex decoder reports a bad digit before an odd length.
    if !all_hex(digits) {
        return Err(SYNTAX.into());
    }
    if digits.len() % 2 != 0 {
        return Err(ODD_LENGTH.into());
    }
    if digits.len() != size * 2 {
        return Err(format!(
            "hex has invalid length {} after decoding; expected {size} for {what}",
            digits.len() / 2
        ));
    }
    Ok(())
}

/// `filters.FilterCriteria`'s `UnmarshalJSON`.
fn filter(value: &Value) -> Result<(), String> {
    let fields: &Map<String, Value> = match value {
        Value::Null => return Ok(()),
        Value::Object(fields) => fields,
        other => return Err(type_error(json_kind(other), "filters.input")),
    };
    let field = |key: &str| fields.get(key).filter(|v| !v.is_null());
    // Field by field, in the object's order, as encoding/json decodes them.
    for (key, field) in fields.iter().filter(|(_, v)| !v.is_null()) {
        match key.as_str() {
            "blockHash" => fixed(field, "common.Hash", "common.Hash", 32)
                .map_err(|e| in_field(e, "input", "blockHash"))?,
            "fromBlock" | "toBlock" => block_number(field)?,
            "topics" if !field.is_array() => {
                return Err(field_error(json_kind(field), "input", "topics", "[]interface {}"));
            }
            _ => {}
        }
    }
    if field("blockHash").is_some() && (field("fromBlock").is_some() || field("toBlock").is_some())
    {
        return Err(
            "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other".into()
        );
    }
    match field("address") {
        None => {}
        Some(Value::String(text)) => {
            decode_hex(text, 20, "address").map_err(|e| format!("invalid address: {e}"))?
        }
        Some(Value::Array(addresses)) => {
            for (i, address) in addresses.iter().enumerate() {
                let Some(text) = address.as_str() else {
                    return Err(format!("non-string address at index {i}"));
                };
                decode_hex(text, 20, "address")
                    .map_err(|e| format!("invalid address at index {i}: {e}"))?;
            }
        }
        Some(_) => return Err("invalid addresses in query".into()),
    }
    let topics = field("topics").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    if topics.len() > MAX_TOPICS {
        return Err("exceed max topics".into());
    }
    for topic in topics {
        match topic {
            Value::Null => {}
            Value::String(text) => decode_hex(text, 32, "topic")?,
            Value::Array(alternatives) => {
                if alternatives.len() > MAX_SUB_TOPICS {
                    return Err("exceed max topics".into());
                }
                for alternative in alternatives {
                    match alternative {
                        // A null alternative matches anything; geth stops reading there.
                        Value::Null => break,
                        Value::String(text) => decode_hex(text, 32, "topic")?,
                        _ => return Err("invalid topic(s)".into()),
                    }
                }
            }
            _ => return Err("invalid topic(s)".into()),
        }
    }
    Ok(())
}
