//! Fuzz target: arbitrary bytes as a raw transaction (what `eth_sendRawTransaction` takes)
//! must decode or fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = execution::RecoveredTx::decode(data) {
        // What decodes re-encodes to the same bytes.
        assert_eq!(tx.encoded.as_ref(), data);
    }
});
