//! Waiting with progress: polls a condition, showing a spinner with what is awaited and for how
//! long, until it holds or the timeout passes.

use std::{future::Future, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};

/// Polls `check` every `every` until it gives `Some`, at most `timeout`; `message` turns the
/// last `None` state into the spinner's text.
pub(super) async fn until<T, S, F, Fut>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut check: F,
    message: impl Fn(&S) -> String,
) -> eyre::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = eyre::Result<Result<T, S>>>,
{
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.enable_steady_tick(Duration::from_millis(120));
    let started = std::time::Instant::now();
    let result = loop {
        match check().await? {
            Ok(done) => break Ok(done),
            Err(state) => spinner.set_message(format!("{what}: {}", message(&state))),
        }
        if started.elapsed() >= timeout {
            break Err(eyre::eyre!("gave up after {} s waiting for {what}", timeout.as_secs()));
        }
        tokio::time::sleep(every).await;
    };
    spinner.finish_and_clear();
    result
}
