// The L1 that Manifold's Ethereum-DA end-to-end tests post batches to: Hardhat 2's in-memory
// node (`npx hardhat node --port N`), with the same dev accounts as `manifold l1`.
// Automine is on (one block per transaction); the fee-bump test turns it off over JSON-RPC
// (`evm_setAutomine`) and mines by hand (`evm_mine`).
/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  networks: {
    hardhat: {
      // Distinct from `manifold l1` (900) and the L2 devnet (31337), so a test that points
      // a backend at the wrong node fails on the chain id.
      chainId: 31338,
      // EIP-1559 fees and the EIP-7623 calldata floor.
      hardfork: "prague",
      accounts: {
        mnemonic: "test test test test test test test test test test test junk",
        path: "m/44'/60'/0'/0",
        count: 10,
        accountsBalance: "10000000000000000000000",
      },
      mining: {
        auto: true,
        interval: 0,
        mempool: { order: "priority" },
      },
    },
  },
};
