//! The Celestia namespace batches are posted in, built from the 10-byte id of the config.
//!
//! Manifold uses version-0 namespaces: one version byte `0x00`, then a 28-byte id made of 18
//! zero bytes and the 10 bytes the operator chose (`da.celestia.namespace`). Celestia reserves
//! some version-0 ids for itself (transactions, pay-for-blob, padding); those are refused.

use alloy_primitives::FixedBytes;
use celestia_types::nmt::Namespace;

use super::errors::NAME;
use crate::DaError;

/// The version-0 namespace with the 10-byte user id `id`.
pub(crate) fn namespace_v0(id: FixedBytes<10>) -> Result<Namespace, DaError> {
    let namespace = Namespace::const_v0(id.0);
    if namespace.is_reserved() {
        return Err(DaError::Misconfigured {
            backend: NAME,
            reason: format!(
                "da.celestia.namespace {id} is reserved by Celestia; choose another 10-byte id"
            ),
        });
    }
    Ok(namespace)
}

#[cfg(test)]
mod tests {
    use node_config::DEFAULT_CELESTIA_NAMESPACE_ID;

    use super::*;

    #[test]
    fn ten_byte_id_becomes_a_29_byte_version_0_namespace() {
        let namespace = namespace_v0(DEFAULT_CELESTIA_NAMESPACE_ID).unwrap();
        let bytes = namespace.as_bytes();
        assert_eq!(bytes.len(), 29);
        assert_eq!(namespace.version(), 0);
        assert_eq!(bytes[0], 0, "version byte");
        assert!(bytes[1..19].iter().all(|&b| b == 0), "18 zero bytes before the user id");
        assert_eq!(&bytes[19..], b"\0\0manifold");
        // The same as celestia-types' own constructor for a short id.
        assert_eq!(namespace, Namespace::new_v0(b"manifold").unwrap());
    }

    #[test]
    fn reserved_namespaces_are_refused() {
        // 0x…0001 is Celestia's transaction namespace.
        let mut id = [0u8; 10];
        id[9] = 1;
        let error = namespace_v0(FixedBytes(id)).unwrap_err();
        assert!(matches!(error, DaError::Misconfigured { .. }), "{error:?}");
    }
}
