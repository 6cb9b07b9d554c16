//! `manifold bench` runs to completion on a small workload and reports every figure (its
//! numbers are for release builds; here only that the command works end to end).

use e2e::manifold_bin;

#[test]
fn bench_command_reports_throughput() -> eyre::Result<()> {
    let output = std::process::Command::new(manifold_bin()?)
        .args([
            "bench",
            "--txs",
            "300",
            "--senders",
            "30",
            "--block-time",
            "20",
            "--threads",
            "1",
            "--empty-blocks",
            "50",
        ])
        .output()?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for line in [
        "signature recovery",
        "EVM transfers, one block",
        "block executor, sequential",
        "block executor, Block-STM",
        "admission",
        "end to end sealed",
        "derivation from DA",
        "empty block, seal",
    ] {
        let found = stdout.lines().find(|l| l.contains(line));
        let rate: f64 = found
            .and_then(|l| l.split(':').nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| eyre::eyre!("no {line:?} figure in:\n{stdout}"))?;
        assert!(rate > 0.0, "{line}: {rate}");
    }
    // State history's cost: the bytes its entries take per block (the seal-time difference
    // may be of either sign on a block this small).
    let history = stdout.lines().find(|l| l.contains("state history")).unwrap_or_default();
    let bytes: f64 = history
        .split(", ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| eyre::eyre!("no state history figure in:\n{stdout}"))?;
    assert!(bytes > 0.0, "{history}");
    // `--threads 1` reaches the sequencer's scheduler, which says how it ran the blocks.
    let end_to_end = stdout.lines().find(|l| l.contains("end to end sealed")).unwrap_or_default();
    assert!(end_to_end.contains("1 thread(s)"), "{end_to_end}");
    let (_, strategies) = end_to_end.split_once("blocks: ").unwrap_or_default();
    assert!(strategies.starts_with("sequential "), "{end_to_end}");
    // The empty-block figures: 50 blocks, each with a size on disk and on DA.
    let empty = stdout.lines().find(|l| l.contains("empty block, seal")).unwrap_or_default();
    assert!(empty.contains("(50 blocks;"), "{empty}");
    assert!(empty.contains("B on DA alone"), "{empty}");
    Ok(())
}
