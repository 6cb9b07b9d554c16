//! `LocalDa` against the `DaBackend` contract, including sharing one file between handles and
//! between processes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::keccak256;
use bytes::Bytes;
use da::{Batch, BatchAssembler, DaBackend, DaError, DaReceipt, LocalDa, encode_batch};

const MAX: usize = 4096;
/// Env var that turns `child_reader_mode` into the reading half of `second_process_reads`.
const CHILD_ENV: &str = "DA_TEST_CHILD_READER_PATH";
const CHILD_BLOBS: u64 = 40;

fn blob(i: u64) -> Bytes {
    Bytes::from(format!("blob number {i}").into_bytes())
}

fn open(dir: &tempfile::TempDir) -> LocalDa {
    LocalDa::open(dir.path().join("nested/dir/da.redb"), MAX).unwrap()
}

#[tokio::test]
async fn submit_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let da = open(&dir);
    assert_eq!(da.name(), "local");
    assert_eq!(da.max_blob_bytes(), MAX);
    assert_eq!(da.head_height().await.unwrap(), 0);

    for i in 1..=3 {
        let receipt = da.submit(blob(i)).await.unwrap();
        assert_eq!(receipt, DaReceipt { height: i, commitment: keccak256(blob(i)) });
        assert!(da.is_confirmed(&receipt).await.unwrap());
    }
    assert_eq!(da.head_height().await.unwrap(), 3);
    for i in 1..=3 {
        assert_eq!(da.blobs_at(i).await.unwrap(), vec![blob(i)]);
    }
}

#[tokio::test]
async fn empty_and_future_heights() {
    let dir = tempfile::tempdir().unwrap();
    let da = open(&dir);
    // Height 0 never holds a blob and is always readable.
    assert_eq!(da.blobs_at(0).await.unwrap(), Vec::<Bytes>::new());
    assert!(matches!(
        da.blobs_at(1).await,
        Err(DaError::HeightNotAvailable { height: 1, head: 0 })
    ));
    da.submit(blob(1)).await.unwrap();
    assert_eq!(da.blobs_at(0).await.unwrap(), Vec::<Bytes>::new());
    assert!(matches!(
        da.blobs_at(2).await,
        Err(DaError::HeightNotAvailable { height: 2, head: 1 })
    ));
    let unknown = DaReceipt { height: 1, commitment: keccak256(b"something else") };
    assert!(!da.is_confirmed(&unknown).await.unwrap());
    let future = DaReceipt { height: 9, commitment: keccak256(blob(1)) };
    assert!(!da.is_confirmed(&future).await.unwrap());
}

#[tokio::test]
async fn bad_blobs_are_rejected_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let da = open(&dir);
    assert!(matches!(da.submit(Bytes::new()).await, Err(DaError::EmptyBlob)));
    let big = Bytes::from(vec![7u8; MAX + 1]);
    assert!(matches!(
        da.submit(big).await,
        Err(DaError::BlobTooLarge { size, max: MAX }) if size == MAX + 1
    ));
    assert_eq!(da.submit(Bytes::from(vec![7u8; MAX])).await.unwrap().height, 1);
    assert_eq!(da.head_height().await.unwrap(), 1);
}

#[tokio::test]
async fn persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let da = open(&dir);
        da.submit(blob(1)).await.unwrap();
        da.submit(blob(2)).await.unwrap();
    }
    let da = open(&dir);
    assert_eq!(da.head_height().await.unwrap(), 2);
    assert_eq!(da.blobs_at(2).await.unwrap(), vec![blob(2)]);
    assert_eq!(da.submit(blob(3)).await.unwrap().height, 3);
}

/// Two handles on one file, as a sequencer and a follower process would hold: interleaved and
/// concurrent writes and reads all succeed, heights are unique and dense.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_handles_write_and_read_interleaved() {
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(open(&dir));
    let b = Arc::new(open(&dir));

    // Strictly interleaved: each sees the other's writes immediately.
    for i in 1..=10u64 {
        let (writer, reader) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let receipt = writer.submit(blob(i)).await.unwrap();
        assert_eq!(receipt.height, i);
        assert_eq!(reader.head_height().await.unwrap(), i);
        assert_eq!(reader.blobs_at(i).await.unwrap(), vec![blob(i)]);
    }

    // Concurrent: both write 25 blobs while both read.
    let mut tasks = Vec::new();
    for (tag, da) in [(1000u64, Arc::clone(&a)), (2000, Arc::clone(&b))] {
        tasks.push(tokio::spawn(async move {
            let mut heights = Vec::new();
            for i in 0..25 {
                heights.push(da.submit(blob(tag + i)).await.unwrap().height);
                let head = da.head_height().await.unwrap();
                assert!(head >= *heights.last().unwrap());
                da.blobs_at(head).await.unwrap();
            }
            heights
        }));
    }
    let mut heights: Vec<u64> = Vec::new();
    for task in tasks {
        heights.extend(task.await.unwrap());
    }
    heights.sort_unstable();
    assert_eq!(heights, (11..=60).collect::<Vec<_>>());
    assert_eq!(a.head_height().await.unwrap(), 60);
    assert_eq!(b.head_height().await.unwrap(), 60);
}

/// A batch posted as several frames through `LocalDa` is rebuilt by a reader walking heights.
#[tokio::test]
async fn batch_through_local_da() {
    let dir = tempfile::tempdir().unwrap();
    let da = LocalDa::open(dir.path().join("da.redb"), 300).unwrap();
    let batch = Batch {
        blocks: (1..=30)
            .map(|n| da::BatchBlock {
                number: n,
                timestamp: n,
                parent_hash: keccak256(n.to_be_bytes()),
                block_hash: keccak256((n + 1).to_be_bytes()),
                state_root: keccak256((n + 2).to_be_bytes()),
                gas_limit: 1,
                base_fee_per_gas: 1,
                transactions: vec![keccak256(n.to_le_bytes()).to_vec().into()],
            })
            .collect(),
    };
    let blobs = encode_batch(&batch, da.max_blob_bytes()).unwrap();
    assert!(blobs.len() > 1);
    for blob in blobs.into_iter().rev() {
        da.submit(blob).await.unwrap();
    }
    da.submit(Bytes::from_static(b"a foreign blob")).await.unwrap();

    let mut assembler = BatchAssembler::new();
    let mut out = Vec::new();
    for height in 1..=da.head_height().await.unwrap() {
        for blob in da.blobs_at(height).await.unwrap() {
            match assembler.push_blob(&blob) {
                Ok(Some(batch)) => out.push(batch),
                Ok(None) => {}
                Err(e) => assert!(matches!(e, da::CodecError::BadMagic), "{e}"),
            }
        }
    }
    assert_eq!(out, vec![batch]);
}

/// Writes while a child process (this test binary, in `child_reader_mode`) follows along.
#[tokio::test]
async fn second_process_reads_while_this_one_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.redb");
    let da = LocalDa::open(&path, MAX).unwrap();

    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_reader_mode", "--exact", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for i in 1..=CHILD_BLOBS {
        da.submit(blob(i)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let output =
        tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child reader failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // The filter must have selected the child test, not nothing.
    assert!(stdout.contains("1 passed"), "child ran no test:\n{stdout}");
}

/// The reading half of `second_process_reads_while_this_one_writes`; a no-op unless run as its
/// child.
#[tokio::test]
async fn child_reader_mode() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let da = LocalDa::open(&path, MAX).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut next = 1;
    while next <= CHILD_BLOBS {
        assert!(Instant::now() < deadline, "timed out at height {next}");
        let head = da.head_height().await.unwrap();
        while next <= head {
            assert_eq!(da.blobs_at(next).await.unwrap(), vec![blob(next)]);
            next += 1;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
