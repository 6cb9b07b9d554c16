//! `manifold bench` runs to completion on a small workload and reports every figure (its
//! numbers are for release builds; here only that the command works end to end).

use e2e::manifold_bin;

#[test]
fn bench_command_reports_throughput() -> eyre::Result<()> {
    let output = std::process::Command::new(manifold_bin()?)
        .args(["bench", "--txs", "300", "--senders", "30", "--block-time", "20"])
        .output()?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for line in [
        "signature recovery",
        "EVM transfer execution",
        "admission",
        "end to end sealed",
        "derivation from DA",
    ] {
        let found = stdout.lines().find(|l| l.contains(line));
        let rate: f64 = found
            .and_then(|l| l.split(':').nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| eyre::eyre!("no {line:?} figure in:\n{stdout}"))?;
        assert!(rate > 0.0, "{line}: {rate}");
    }
    Ok(())
}
