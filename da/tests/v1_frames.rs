//! Frames posted before engines (format version 1, recorded at commit 8ee03ea in
//! `execution/tests/fixtures/evm_chain_v1`) still reassemble: every block, with its
//! transactions tagged as EVM transactions (`0x00 ‖ EIP-2718 bytes`); and a frame of a version
//! this build does not know is refused with an error that says to upgrade.

use alloy_primitives::{B256, hex};
use da::{BatchAssembler, CodecError, FRAME_VERSION_V1, V1_TRANSACTION_KIND, decode_frame};
use serde_json::Value;

const FIXTURE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../execution/tests/fixtures/evm_chain_v1");

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURE}/{name}")).expect("fixture file");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().expect("a hex string")).expect("hex")
}

#[test]
fn version_1_frames_give_the_recorded_blocks_tagged_as_evm() {
    let frames = load("da_frames.json");
    let blocks = load("blocks.json");
    let recorded = blocks["blocks"].as_array().unwrap();
    let mut assembler = BatchAssembler::new();
    let mut derived = Vec::new();
    for batch in frames["batches"].as_array().unwrap() {
        let mut complete = None;
        for frame in batch["frames"].as_array().unwrap() {
            let blob = bytes(frame);
            assert_eq!(decode_frame(&blob).unwrap().version, FRAME_VERSION_V1);
            if let Some(batch) = assembler.push_blob(&blob).unwrap() {
                complete = Some(batch);
            }
        }
        derived.extend(complete.expect("every batch completes").blocks);
    }
    assert_eq!(derived.len(), recorded.len());
    for (block, expected) in derived.iter().zip(recorded) {
        assert_eq!(block.number, expected["number"].as_u64().unwrap());
        assert_eq!(block.block_hash, B256::from_slice(&bytes(&expected["hash"])));
        let txs: Vec<Vec<u8>> = expected["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tx| [vec![V1_TRANSACTION_KIND], bytes(&tx["raw"])].concat())
            .collect();
        let got: Vec<Vec<u8>> = block.transactions.iter().map(|t| t.to_vec()).collect();
        assert_eq!(got, txs, "block {}", block.number);
    }
}

#[test]
fn an_unknown_version_asks_for_an_upgrade() {
    let frames = load("da_frames.json");
    let mut blob = bytes(&frames["batches"][0]["frames"][0]);
    blob[0] = 0x07;
    let end = blob.len() - 4;
    let crc = crc32fast::hash(&blob[..end]);
    blob[end..].copy_from_slice(&crc.to_be_bytes());
    let err = decode_frame(&blob).unwrap_err();
    assert_eq!(err, CodecError::UnknownVersion(7));
    assert!(err.to_string().contains("upgrade"), "{err}");
}
