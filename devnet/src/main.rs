//! `manifold`: the Manifold node binary — a one-command devnet, the sequencer run from a
//! config file, config tooling and benchmarks.

mod bench;
mod bench_empty_blocks;
mod bench_history;
mod bridge_cmd;
mod celestia_dev_cmd;
mod cli;
mod data_dir;
mod devnet_cmd;
mod devnet_da;
mod follower_cmd;
mod l1_cmd;
mod load;
mod logging;
mod sequencer_cmd;
mod shutdown;

use clap::Parser;

fn main() -> eyre::Result<()> {
    let cli = cli::Cli::parse();
    // Blocks reuse the memory earlier blocks freed instead of faulting in fresh pages.
    execution::allocator::keep_freed_memory();
    match cli.command {
        cli::Command::Config(cli::ConfigCommand::Example) => {
            print!("{}", node_config::NodeConfig::example_toml());
            Ok(())
        }
        cli::Command::Config(cli::ConfigCommand::Check { config }) => {
            let overrides = node_config::Overrides::from_env();
            node_config::NodeConfig::load(&config, &overrides)?;
            println!("{}: ok", config.display());
            Ok(())
        }
        cli::Command::Devnet(args) => runtime()?.block_on(devnet_cmd::run(args)),
        cli::Command::Sequencer(args) => runtime()?.block_on(sequencer_cmd::run(args)),
        cli::Command::Follower(args) => runtime()?.block_on(follower_cmd::run(args)),
        cli::Command::Bench(args) => runtime()?.block_on(bench::run(args)),
        cli::Command::Load(args) => runtime()?.block_on(load::run(args)),
        cli::Command::L1(args) => runtime()?.block_on(l1_cmd::run(args)),
        cli::Command::CelestiaDev(args) => runtime()?.block_on(celestia_dev_cmd::run(args)),
        cli::Command::Bridge(command) => runtime()?.block_on(bridge_cmd::run(command)),
    }
}

fn runtime() -> eyre::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Transactions execute on these threads too (blocks, eth_call): see
        // `execution::wasm::EXECUTION_THREAD_STACK`.
        .thread_stack_size(execution::wasm::EXECUTION_THREAD_STACK)
        .build()?)
}
