//! The data directory of the dev commands (`devnet`, `l1`, `celestia-dev`): the one given, or
//! a fresh temporary directory removed on exit.

use std::path::PathBuf;

/// `given`, or a new temporary directory named `<prefix>…`; hold the returned guard for as
/// long as the directory is used (dropping it removes a temporary directory).
pub(crate) fn data_dir_or_temp(
    given: &Option<PathBuf>,
    prefix: &str,
) -> eyre::Result<(PathBuf, Option<tempfile::TempDir>)> {
    Ok(match given {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::Builder::new().prefix(prefix).tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    })
}
