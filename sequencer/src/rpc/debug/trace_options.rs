//! geth's tracing options (`TraceConfig`): which tracer, its configuration, the struct
//! logger's switches, and `timeout` — a Go duration string (`"5s"`, `"1m30s"`, `"250ms"`)
//! bounding each traced transaction, five seconds when absent, as in geth.

use std::time::Duration;

use alloy_rpc_types_trace::geth::GethDebugTracingOptions;
use execution::evm::TraceSettings;

use super::errors::{RpcResult, server_error};

/// geth's `defaultTraceTimeout`.
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The settings of a trace with `options` (none: the struct logger, default timeout).
pub(super) fn trace_settings(options: Option<GethDebugTracingOptions>) -> RpcResult<TraceSettings> {
    let options = options.unwrap_or_default();
    let timeout = match options.timeout.as_deref() {
        None => DEFAULT_TIMEOUT,
        Some(text) => parse_go_duration(text)
            .ok_or_else(|| server_error(format!("time: invalid duration \"{text}\"")))?,
    };
    Ok(TraceSettings { options, timeout })
}

/// A Go duration string (`time.ParseDuration`): an optional sign, then one or more decimal
/// numbers each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); `"0"` alone is zero. A
/// negative duration is zero (the trace times out at once, as in geth).
pub(super) fn parse_go_duration(text: &str) -> Option<Duration> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len =
            rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).filter(|&n| n > 0)?;
        let (number, tail) = rest.split_at(number_len);
        if number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let nanos_per_unit = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * nanos_per_unit;
        rest = tail;
    }
    if negative {
        return Some(Duration::ZERO);
    }
    // Go's limit: about 290 years.
    (total <= i64::MAX as f64).then(|| Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse_as_go_parses_them() {
        assert_eq!(parse_go_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("10us"), Some(Duration::from_micros(10)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("-3s"), Some(Duration::ZERO));
        for bad in ["", "5", "s", "5 s", "abc", "1d", ".s", "+"] {
            assert_eq!(parse_go_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn timeout_defaults_to_five_seconds_and_bad_ones_get_gos_text() {
        assert_eq!(trace_settings(None).unwrap().timeout, DEFAULT_TIMEOUT);
        let options = GethDebugTracingOptions::default().with_timeout(Duration::from_secs(2));
        assert_eq!(trace_settings(Some(options)).unwrap().timeout, Duration::from_secs(2));
        let options =
            GethDebugTracingOptions { timeout: Some("soon".into()), ..Default::default() };
        let err = trace_settings(Some(options)).unwrap_err();
        assert_eq!((err.code(), err.message()), (-32000, "time: invalid duration \"soon\""));
    }
}
