//! `manifold celestia-dev`: a local Celestia-compatible DA server (see
//! [`devnet::celestia_dev`]) for running a sequencer with `[da] backend = "celestia"` on one
//! machine.

use std::{net::SocketAddr, time::Duration};

use devnet::celestia_dev::{CelestiaDevOptions, start};
use eyre::WrapErr;
use node_config::DEFAULT_CELESTIA_NAMESPACE_ID;

use crate::{cli::CelestiaDevArgs, logging, shutdown};

pub(crate) async fn run(args: CelestiaDevArgs) -> eyre::Result<()> {
    logging::init(&args.log, false);
    let (data_dir, _temp) =
        crate::data_dir::data_dir_or_temp(&args.data_dir, "manifold-celestia-dev-")?;
    let server = start(CelestiaDevOptions {
        listen: SocketAddr::new(args.host, args.port),
        data_dir: data_dir.clone(),
        block_time: Duration::from_millis(args.block_time),
    })
    .await
    .wrap_err("could not start the Celestia dev server")?;
    let url = server.url();
    let namespace = DEFAULT_CELESTIA_NAMESPACE_ID.to_string();

    eprintln!("\nManifold Celestia dev server (celestia-node JSON-RPC)");
    eprintln!("  RPC (HTTP):   {url}");
    eprintln!("  RPC (WS):     {}", server.ws_url());
    eprintln!("  Block time:   {} ms", args.block_time);
    eprintln!("  Data dir:     {}", data_dir.display());
    eprintln!("  Write token:  {}", server.write_token());
    eprintln!("  Read token:   {}", server.read_token());
    eprintln!("\nIn manifold.toml:");
    eprintln!("  [da]\n  backend = \"celestia\"\n  [da.celestia]");
    eprintln!("  url = \"{url}\"\n  namespace = \"{namespace}\"");
    eprintln!("and MANIFOLD_DA__CELESTIA__AUTH_TOKEN=<write token> (read token for followers)\n");
    if args.json {
        let summary = serde_json::json!({
            "url": url,
            "ws_url": server.ws_url(),
            "write_token": server.write_token(),
            "read_token": server.read_token(),
            "namespace": namespace,
            "block_time_ms": args.block_time,
            "data_dir": data_dir,
        });
        println!("{summary}");
    }
    shutdown::signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}
