//! Running wrk (from Debian's `wrk` package) and reading its `--latency` report.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One wrk run.
#[derive(Debug, Clone, Default)]
pub(crate) struct WrkRun {
    /// Requests per second.
    pub(crate) rps: f64,
    /// Latency percentiles in milliseconds.
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    /// Completed requests.
    pub(crate) requests: u64,
    /// Non-2xx/3xx answers.
    pub(crate) non_2xx: u64,
    /// Socket errors (connect, read, write, timeout).
    pub(crate) socket_errors: u64,
}

/// What to run.
pub(crate) struct WrkSpec<'a> {
    pub(crate) url: String,
    pub(crate) connections: u32,
    pub(crate) duration: Duration,
    pub(crate) headers: Vec<String>,
    pub(crate) script: Option<&'a Path>,
    /// Request timeout (wrk's default, 2 s, would drop the slowest answers).
    pub(crate) timeout: Duration,
    /// CPUs to pin wrk to with `taskset -c`, when taskset exists.
    pub(crate) cpus: Option<&'a str>,
}

impl WrkSpec<'_> {
    pub(crate) fn command(&self) -> Command {
        let mut cmd = match self
            .cpus
            .filter(|_| crate::harness::server::have("taskset"))
        {
            Some(cpus) => {
                let mut cmd = Command::new("taskset");
                cmd.args(["-c", cpus, "wrk"]);
                cmd
            }
            None => Command::new("wrk"),
        };
        cmd.arg("-t1")
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.duration.as_secs().max(1)))
            .arg(format!("--timeout={}s", self.timeout.as_secs().max(1)))
            .arg("--latency");
        for header in &self.headers {
            cmd.arg("-H").arg(header);
        }
        if let Some(script) = self.script {
            cmd.arg("-s").arg(script);
        }
        cmd.arg(&self.url);
        cmd
    }

    /// Runs wrk to the end and parses its report.
    pub(crate) fn run(&self) -> Result<WrkRun, String> {
        let out = self
            .command()
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "wrk failed ({}): {}{}",
                out.status,
                text,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        parse(&text).ok_or_else(|| format!("cannot read wrk's report:\n{text}"))
    }
}

/// A wrk duration (`445.00us`, `5.03ms`, `1.20s`, `2.00m`) in milliseconds.
fn parse_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        "h" => 3600e3,
        _ => return None,
    };
    Some(number * factor)
}

/// Reads wrk's `--latency` report.
pub(crate) fn parse(text: &str) -> Option<WrkRun> {
    let mut run = WrkRun::default();
    let (mut p50, mut p90, mut p99, mut rps) = (None, None, None, None);
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("50%"), Some(v)) => p50 = parse_ms(v),
            (Some("90%"), Some(v)) => p90 = parse_ms(v),
            (Some("99%"), Some(v)) => p99 = parse_ms(v),
            (Some("Requests/sec:"), Some(v)) => rps = v.parse().ok(),
            _ => {}
        }
        if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            run.non_2xx = rest.trim().parse().unwrap_or(0);
        }
        if let Some(rest) = line.strip_prefix("Socket errors:") {
            run.socket_errors = rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        }
        if let Some((count, _)) = line.split_once(" requests in ") {
            run.requests = count.trim().parse().unwrap_or(0);
        }
    }
    run.rps = rps?;
    // No answer at all: wrk prints no percentiles.
    run.p50 = p50.unwrap_or(f64::NAN);
    run.p90 = p90.unwrap_or(f64::NAN);
    run.p99 = p99.unwrap_or(f64::NAN);
    Some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 5s test @ http://127.0.0.1:18001/users/me/items/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   661.61us    1.03ms  36.51ms   98.25%
    Req/Sec    49.69k     3.02k   54.25k    78.00%
  Latency Distribution
     50%  445.00us
     75%  608.00us
     90%  839.00us
     99%    5.03ms
  247199 requests in 5.00s, 35.60MB read
  Socket errors: connect 0, read 0, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:  49441.18
Transfer/sec:      7.12MB
";

    #[test]
    fn reads_a_report() {
        let run = parse(REPORT).expect("parsed");
        assert_eq!(run.rps, 49441.18);
        assert!((run.p50 - 0.445).abs() < 1e-9);
        assert!((run.p90 - 0.839).abs() < 1e-9);
        assert!((run.p99 - 5.03).abs() < 1e-9);
        assert_eq!(run.requests, 247199);
        assert_eq!(run.non_2xx, 2);
        assert_eq!(run.socket_errors, 3);
    }

    #[test]
    fn units() {
        assert_eq!(parse_ms("1.50s"), Some(1500.0));
        assert_eq!(parse_ms("2.00m"), Some(120_000.0));
        assert_eq!(parse_ms("12"), None);
    }
}
