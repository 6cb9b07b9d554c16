//! The celestia-node JSON-RPC methods Manifold's Celestia backend uses, with celestia-node's
//! parameter and result shapes and error texts:
//!
//! | method | needs | answer |
//! | --- | --- | --- |
//! | `header.LocalHead`, `header.NetworkHead` | `read` | the newest `ExtendedHeader` |
//! | `header.GetByHeight(h)` | `read` | the header at `h` |
//! | `blob.GetAll(h, [namespaces])` | `read` | the blobs at `h` in those namespaces, or `null` |
//! | `blob.Get(h, namespace, commitment)` | `read` | that blob, or the error `blob: not found` |
//! | `blob.Submit([blobs], options)` | `write` | the height that includes the blobs |
//! | `state.AccountAddress` | `read` | the server's account (`account`), which signs version-1 blobs |
//!
//! As in celestia-node (go-jsonrpc): parameters that do not decode are error `-32700`
//! ("unmarshaling params for '<method>' (param: <Go type>): …"), a wrong parameter count is
//! `-32602`, and a method's own failure is code `1` with the error's text. A height above the
//! head + 1 is "header: given height is from the future"; the head + 1 is waited for (as
//! celestia-node's header store does); 0 is "header/store: height must be bigger than zero".

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use celestia_types::{
    Blob, Commitment,
    nmt::Namespace,
    state::{AccAddress, AddressTrait},
};
use jsonrpsee::{
    Extensions, RpcModule,
    types::{ErrorObjectOwned, Params},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    account::dev_account,
    auth::{Permissions, READ, WRITE},
    chain::{Chain, Head, MAX_BLOCK_DATA_BYTES},
    store::StoredBlob,
};

/// go-jsonrpc's code for a method's own error.
const METHOD_ERROR: i32 = 1;
/// JSON-RPC parse error (go-jsonrpc answers undecodable parameters with it).
const PARSE_ERROR: i32 = -32700;
/// JSON-RPC invalid params (go-jsonrpc: wrong parameter count).
const INVALID_PARAMS: i32 = -32602;

/// Largest blob data celestia-node accepts (celestia-app's default `MaxBytes`).
pub(crate) const MAX_BLOB_DATA_BYTES: usize = MAX_BLOCK_DATA_BYTES;
/// celestia-app's default minimum gas price, in utia per gas.
pub const MIN_GAS_PRICE: f64 = 0.002;
/// celestia-app's fixed gas of a PayForBlobs transaction.
const PFB_GAS_FIXED: u64 = 75_000;
/// celestia-app's gas per byte of blob shares.
const GAS_PER_BLOB_BYTE: u64 = 8;
/// Bytes in a share.
const SHARE_SIZE: u64 = 512;

/// celestia-node's text for a missing blob.
pub(crate) const BLOB_NOT_FOUND: &str = "blob: not found";

type RpcResult<T> = Result<T, ErrorObjectOwned>;

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn method_error(message: impl Into<String>) -> ErrorObjectOwned {
    error(METHOD_ERROR, message)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    method_error(e.to_string())
}

/// The positional parameters of `method`, exactly `count` of them.
fn positional(method: &str, params: &Params<'_>, count: usize) -> RpcResult<Vec<Value>> {
    let values: Vec<Value> = match params.as_str() {
        None => Vec::new(),
        Some(raw) => serde_json::from_str(raw)
            .map_err(|e| error(PARSE_ERROR, format!("unmarshaling param array: {e}")))?,
    };
    if values.len() != count {
        return Err(error(
            INVALID_PARAMS,
            format!("wrong param count (method '{method}'): {} != {count}", values.len()),
        ));
    }
    Ok(values)
}

/// Decodes parameter `value` as `T`, go-jsonrpc's way of failing (`go_type` as Go prints it).
fn decode<T: serde::de::DeserializeOwned>(
    method: &str,
    go_type: &str,
    value: Value,
) -> RpcResult<T> {
    serde_json::from_value(value).map_err(|e| unmarshal_error(method, go_type, e))
}

fn unmarshal_error(method: &str, go_type: &str, e: impl std::fmt::Display) -> ErrorObjectOwned {
    error(PARSE_ERROR, format!("unmarshaling params for '{method}' (param: {go_type}): {e}"))
}

/// The `auth.PermissionedProxy` check: `permission` or "missing permission to invoke …".
fn require(extensions: &Extensions, go_method: &str, permission: &str) -> RpcResult<()> {
    let anonymous = Permissions::anonymous();
    let held = extensions.get::<Permissions>().unwrap_or(&anonymous);
    if held.allows(permission) {
        Ok(())
    } else {
        Err(method_error(format!(
            "missing permission to invoke '{go_method}' (need '{permission}')"
        )))
    }
}

/// The header at `height`, waiting for the next one as celestia-node does.
async fn header_at(chain: &Chain, height: u64) -> RpcResult<Arc<serde_json::value::RawValue>> {
    if height == 0 {
        return Err(method_error("header/store: height must be bigger than zero"));
    }
    let head = chain.head();
    if height > head.height + 1 {
        return Err(method_error(format!(
            "header: given height is from the future: networkHeight: {}, requestedHeight: \
             {height}",
            head.height
        )));
    }
    if height == head.height + 1 {
        let head: Head = chain
            .wait_for(height)
            .await
            .map_err(|_| method_error("header: the node is shutting down"))?;
        if head.height == height {
            return Ok(head.header);
        }
    }
    chain
        .header(height)
        .await
        .map_err(internal)?
        .ok_or_else(|| method_error(format!("header: not found at height {height}")))
}

/// An owned copy of stored JSON, as a method result.
fn boxed(json: &serde_json::value::RawValue) -> Box<serde_json::value::RawValue> {
    json.to_owned()
}

/// A blob as celestia-node encodes it (`signer` omitted for version-0 blobs).
fn blob_json(blob: &StoredBlob, index: u64) -> Value {
    let mut json = json!({
        "namespace": STANDARD.encode(blob.namespace.as_bytes()),
        "data": STANDARD.encode(&blob.data),
        "share_version": u8::from(blob.signer.is_some()),
        "commitment": STANDARD.encode(blob.commitment.hash()),
        "index": index,
    });
    if let Some(signer) = &blob.signer {
        json["signer"] = Value::String(STANDARD.encode(signer.as_bytes()));
    }
    json
}

/// Share index of each blob of a block, as if laid out one after another after the block's
/// one PayForBlobs share (the dev chain has no real square).
fn share_indexes(blobs: &[StoredBlob]) -> Vec<u64> {
    let mut next = 1u64;
    blobs
        .iter()
        .map(|blob| {
            let index = next;
            next += shares_of(blob.data.len(), blob.signer.is_some());
            index
        })
        .collect()
}

/// Shares a blob of `len` bytes takes (a signed one's first share also holds its 20-byte
/// signer).
fn shares_of(len: usize, signed: bool) -> u64 {
    const FIRST: usize = 478;
    const SIGNER: usize = 20;
    const CONTINUATION: usize = 482;
    let first = if signed { FIRST - SIGNER } else { FIRST };
    1 + len.saturating_sub(first).div_ceil(CONTINUATION) as u64
}

/// A blob of a `blob.Submit` request, as celestia-node reads it.
#[derive(Deserialize)]
struct SubmittedBlob {
    namespace: Namespace,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    share_version: u8,
    #[serde(default)]
    signer: Option<String>,
}

impl SubmittedBlob {
    /// celestia-node's `NewBlob` checks, then the share commitment.
    fn into_stored(self) -> Result<(StoredBlob, u64), String> {
        let data = match self.data.as_deref() {
            None | Some("") => Vec::new(),
            Some(text) => STANDARD.decode(text).map_err(|e| format!("illegal base64 data: {e}"))?,
        };
        if data.is_empty() || data.len() > MAX_BLOB_DATA_BYTES {
            return Err(format!(
                "blob data must be > 0 && <= {MAX_BLOB_DATA_BYTES}, but it was {} bytes",
                data.len()
            ));
        }
        if self.namespace.version() != 0 || self.namespace.is_reserved() {
            return Err("invalid user namespace: namespace is reserved or not version 0".into());
        }
        let signer = match (self.share_version, self.signer.as_deref().unwrap_or_default()) {
            (0, "") => None,
            (0, _) => return Err("share version 0 does not support signer".into()),
            (1, "") => return Err("share version 1 requires signer".into()),
            (1, signer) => {
                let id: [u8; 20] = STANDARD
                    .decode(signer)
                    .ok()
                    .and_then(|bytes| bytes.try_into().ok())
                    .ok_or_else(|| format!("invalid signer {signer:?}: not 20 base64 bytes"))?;
                let signer = AccAddress::from(id);
                // Celestia's validators check a blob's signer against the account paying for
                // it: here, the server's.
                if signer != dev_account() {
                    return Err(format!(
                        "blob signer {signer} does not match the submitting account {}",
                        dev_account()
                    ));
                }
                Some(signer)
            }
            (version, _) => {
                return Err(format!("share version {version} is not supported"));
            }
        };
        let blob = Blob::new(self.namespace, data, signer).map_err(|e| e.to_string())?;
        let shares = blob.shares_len() as u64;
        Ok((
            StoredBlob {
                namespace: blob.namespace,
                commitment: blob.commitment,
                data: blob.data,
                signer: blob.signer,
            },
            shares,
        ))
    }
}

/// The `blob.Submit` options celestia-node reads (`state.TxConfig`; others are ignored).
#[derive(Deserialize, Default)]
#[serde(default)]
struct TxConfig {
    gas_price: f64,
    is_gas_price_set: bool,
}

async fn submit(chain: Arc<Chain>, params: Params<'static>, ext: Extensions) -> RpcResult<u64> {
    const METHOD: &str = "blob.Submit";
    let mut values = positional(METHOD, &params, 2)?.into_iter();
    let blobs: Vec<SubmittedBlob> =
        decode(METHOD, "*[]*blob.Blob", values.next().expect("two params"))?;
    let mut stored = Vec::with_capacity(blobs.len());
    let mut shares = 0;
    for blob in blobs {
        let (blob, blob_shares) =
            blob.into_stored().map_err(|e| unmarshal_error(METHOD, "*[]*blob.Blob", e))?;
        shares += blob_shares;
        stored.push(blob);
    }
    let options = values.next().expect("two params");
    let options: TxConfig = if options.is_null() {
        TxConfig::default()
    } else {
        serde_json::from_value(options).map_err(|e| {
            unmarshal_error(METHOD, "**state.TxConfig", format!("unmarshalling TxConfig: {e}"))
        })?
    };
    require(&ext, "Submit", WRITE)?;
    if stored.is_empty() {
        return Err(method_error("empty blob list"));
    }
    let total: usize = stored.iter().map(|b| b.data.len()).sum();
    if total > MAX_BLOCK_DATA_BYTES {
        return Err(method_error(format!(
            "blobs of {total} bytes do not fit in a block of {MAX_BLOCK_DATA_BYTES} bytes"
        )));
    }
    if options.is_gas_price_set && options.gas_price < MIN_GAS_PRICE {
        // celestia-app estimates the gas of a PayForBlobs from its shares.
        let gas = PFB_GAS_FIXED + shares * SHARE_SIZE * GAS_PER_BLOB_BYTE;
        let got = (options.gas_price * gas as f64).ceil();
        let required = (MIN_GAS_PRICE * gas as f64).ceil();
        return Err(method_error(format!(
            "insufficient fees; got: {got}utia required: {required}utia: insufficient fee"
        )));
    }
    let count = stored.len();
    let height = chain.include(stored).await.map_err(|_| method_error("node is shutting down"))?;
    tracing::debug!(height, blobs = count, "blob.Submit included");
    Ok(height)
}

async fn get_all(chain: Arc<Chain>, params: Params<'static>, ext: Extensions) -> RpcResult<Value> {
    const METHOD: &str = "blob.GetAll";
    let mut values = positional(METHOD, &params, 2)?.into_iter();
    let height: u64 = decode(METHOD, "*uint64", values.next().expect("two params"))?;
    let namespaces: Vec<Namespace> =
        decode(METHOD, "*[]share.Namespace", values.next().expect("two params"))?;
    require(&ext, "GetAll", READ)?;
    header_at(&chain, height).await?;
    let blobs = chain.blobs(height).await.map_err(internal)?;
    let indexes = share_indexes(&blobs);
    // Grouped by the requested namespaces, in the order they were asked for.
    let found: Vec<Value> = namespaces
        .iter()
        .flat_map(|namespace| {
            blobs
                .iter()
                .zip(&indexes)
                .filter(move |(blob, _)| blob.namespace == *namespace)
                .map(|(blob, index)| blob_json(blob, *index))
        })
        .collect();
    // celestia-node answers a nil slice, `null`, when nothing was found.
    Ok(if found.is_empty() { Value::Null } else { Value::Array(found) })
}

async fn get(chain: Arc<Chain>, params: Params<'static>, ext: Extensions) -> RpcResult<Value> {
    const METHOD: &str = "blob.Get";
    let mut values = positional(METHOD, &params, 3)?.into_iter();
    let height: u64 = decode(METHOD, "*uint64", values.next().expect("three params"))?;
    let namespace: Namespace =
        decode(METHOD, "*share.Namespace", values.next().expect("three params"))?;
    let commitment: Commitment =
        decode(METHOD, "*blob.Commitment", values.next().expect("three params"))?;
    require(&ext, "Get", READ)?;
    header_at(&chain, height).await?;
    let blobs = chain.blobs(height).await.map_err(internal)?;
    let indexes = share_indexes(&blobs);
    blobs
        .iter()
        .zip(indexes)
        .find(|(blob, _)| blob.namespace == namespace && blob.commitment == commitment)
        .map(|(blob, index)| blob_json(blob, index))
        .ok_or_else(|| method_error(BLOB_NOT_FOUND))
}

/// The JSON-RPC methods over `chain`.
pub(crate) fn module(chain: Arc<Chain>) -> RpcModule<Chain> {
    let mut module = RpcModule::from_arc(chain);
    let register = |module: &mut RpcModule<Chain>, name: &'static str, go: &'static str| {
        module
            .register_async_method(name, move |params, chain, ext| async move {
                positional(name, &params, 0)?;
                require(&ext, go, READ)?;
                Ok::<_, ErrorObjectOwned>(boxed(&chain.head().header))
            })
            .expect("method names are unique");
    };
    register(&mut module, "header.LocalHead", "LocalHead");
    register(&mut module, "header.NetworkHead", "NetworkHead");
    module
        .register_async_method("header.GetByHeight", |params, chain, ext| async move {
            const METHOD: &str = "header.GetByHeight";
            let mut values = positional(METHOD, &params, 1)?.into_iter();
            let height: u64 = decode(METHOD, "*uint64", values.next().expect("one param"))?;
            require(&ext, "GetByHeight", READ)?;
            header_at(&chain, height).await.map(|header| boxed(&header))
        })
        .expect("method names are unique");
    module
        .register_async_method("state.AccountAddress", |params, _, ext| async move {
            positional("state.AccountAddress", &params, 0)?;
            require(&ext, "AccountAddress", READ)?;
            Ok::<_, ErrorObjectOwned>(Value::String(dev_account().to_string()))
        })
        .expect("method names are unique");
    module
        .register_async_method("blob.Submit", |params, chain, ext| submit(chain, params, ext))
        .expect("method names are unique");
    module
        .register_async_method("blob.GetAll", |params, chain, ext| get_all(chain, params, ext))
        .expect("method names are unique");
    module
        .register_async_method("blob.Get", |params, chain, ext| get(chain, params, ext))
        .expect("method names are unique");
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted(data: &[u8]) -> SubmittedBlob {
        SubmittedBlob {
            namespace: Namespace::new_v0(b"manifold").unwrap(),
            data: Some(STANDARD.encode(data)),
            share_version: 0,
            signer: None,
        }
    }

    #[test]
    fn empty_and_oversized_blobs_are_refused_with_celestia_nodes_text() {
        let empty = submitted(b"").into_stored().unwrap_err();
        assert_eq!(empty, "blob data must be > 0 && <= 1974272, but it was 0 bytes");
        let big = submitted(&vec![0; MAX_BLOB_DATA_BYTES + 1]).into_stored().unwrap_err();
        assert!(big.ends_with("but it was 1974273 bytes"), "{big}");
        let mut reserved = submitted(b"x");
        reserved.namespace = Namespace::PAY_FOR_BLOB;
        assert!(reserved.into_stored().unwrap_err().contains("invalid user namespace"));
    }

    #[test]
    fn stored_commitment_is_celestias() {
        let (blob, shares) = submitted(b"hello").into_stored().unwrap();
        let namespace = Namespace::new_v0(b"manifold").unwrap();
        assert_eq!(blob.commitment, Commitment::from_blob(namespace, b"hello", 0, None).unwrap());
        assert_eq!(shares, 1);
        assert_eq!(shares_of(478, false), 1);
        assert_eq!(shares_of(479, false), 2);
        assert_eq!(shares_of(478 + 482, false), 2);
        assert_eq!(shares_of(478 + 483, false), 3);
        // A signed blob's first share holds its signer too; celestia-types agrees.
        let namespace = Namespace::new_v0(b"manifold").unwrap();
        for len in [1, 458, 459, 458 + 482, 458 + 483] {
            let blob = Blob::new(namespace, vec![1; len], Some(dev_account())).unwrap();
            assert_eq!(shares_of(len, true), blob.shares_len() as u64, "{len} bytes");
        }
    }

    fn signed_by(data: &[u8], signer: AccAddress) -> SubmittedBlob {
        SubmittedBlob {
            share_version: 1,
            signer: Some(STANDARD.encode(signer.as_bytes())),
            ..submitted(data)
        }
    }

    #[test]
    fn a_signed_blob_must_be_signed_by_the_servers_account() {
        let (blob, _) = signed_by(b"frame", dev_account()).into_stored().unwrap();
        let namespace = Namespace::new_v0(b"manifold").unwrap();
        let expected = Commitment::from_blob(namespace, b"frame", 1, Some(&dev_account()));
        assert_eq!((blob.commitment, blob.signer), (expected.unwrap(), Some(dev_account())));
        // celestia-rpc reads it back signed, with the same commitment.
        let decoded: Blob = serde_json::from_value(blob_json(&blob, 1)).unwrap();
        assert_eq!((decoded.share_version, decoded.signer), (1, Some(dev_account())));
        assert_eq!(decoded.commitment, blob.commitment);
        decoded.validate().unwrap();

        let other = AccAddress::from([5u8; 20]);
        let forged = signed_by(b"frame", other).into_stored().unwrap_err();
        assert!(forged.starts_with(&format!("blob signer {other} does not match")), "{forged}");
        let unsigned_v1 = SubmittedBlob { signer: None, ..signed_by(b"frame", dev_account()) };
        assert_eq!(unsigned_v1.into_stored().unwrap_err(), "share version 1 requires signer");
        let signed_v0 = SubmittedBlob { share_version: 0, ..signed_by(b"frame", dev_account()) };
        assert!(signed_v0.into_stored().unwrap_err().contains("does not support signer"));
    }

    #[test]
    fn blob_json_decodes_as_celestia_rpc_expects() {
        let (blob, _) = submitted(b"hello").into_stored().unwrap();
        let decoded: Blob = serde_json::from_value(blob_json(&blob, 1)).unwrap();
        assert_eq!(decoded.data, b"hello");
        assert_eq!(decoded.commitment, blob.commitment);
        assert_eq!(decoded.index, Some(1));
        decoded.validate().unwrap();
    }
}
