//! HTTP throughput and latency of `GET /users/me/items/` with a valid token: demo-app (the
//! DSL; also at its default log level, and without its token cache where it has the flag),
//! the hand-written baseline, the minimal app that shares nothing with the runtime, the
//! no-auth ceiling and the FastAPI original, one worker each, all pinned to CPU 0 while wrk
//! runs pinned to CPU 1; the contenders interleaved (A B C D, B C D A, ..) and the medians
//! taken.
//!
//! The Rust contenders are rows of [`RUST_CONTENDERS`]: a name, a release binary and its
//! arguments; a contender that needs a flag its binary may not have yet says so with
//! [`Spec::needs`], and runs only when the binary's `--help` mentions it.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::fastapi::FastApi;
use super::server::{Server, free_port, get};
use super::stats::median;
use super::wrk::{WrkRun, WrkSpec};
use crate::Ctx;

/// The servers' CPU, and wrk's.
pub(crate) const SERVER_CPU: &str = "0";
pub(crate) const CLIENT_CPU: &str = "1";

/// How long a server may take to go idle after a run before the next one starts.
const SETTLE_PATIENCE: Duration = Duration::from_secs(3);

/// The control: demo-app's app served by the baseline's binary.
pub(crate) const DSL_CONTROL: &str = "DSL in baseline binary";
/// The baseline that shares nothing with the runtime (`bench/minimal`).
pub(crate) const MINIMAL: &str = "minimal";
/// demo-app at its default log level: an access-log line per request, to a file.
pub(crate) const INFO_LOG: &str = "demo-app (info log)";
/// demo-app verifying every token (its token cache off).
pub(crate) const NO_CACHE: &str = "demo-app (no cache)";

/// A Rust contender: `program`, a release binary in the target dir, started with `args`;
/// the harness adds `--port <free port> --workers 1`, pins it and sets `SECRET_KEY` to the
/// tutorial's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) program: &'static str,
    pub(crate) args: &'static [&'static str],
    /// A flag of `program` the contender needs: it runs only when `program --help`
    /// mentions it (for a flag still being added), else it is skipped with a note.
    pub(crate) needs: Option<&'static str>,
}

impl Spec {
    const fn new(name: &'static str, program: &'static str, args: &'static [&'static str]) -> Self {
        Self {
            name,
            program,
            args,
            needs: None,
        }
    }

    /// Runs only when `program --help` mentions `flag`.
    const fn needs(self, flag: &'static str) -> Self {
        Self {
            needs: Some(flag),
            ..self
        }
    }
}

/// The Rust contenders, in the order of the tables (FastAPI follows when it runs).
pub(crate) const RUST_CONTENDERS: &[Spec] = &[
    Spec::new("demo-app", "demo-app", &["--log-level", "warn"]),
    Spec::new(
        "hand-written",
        "baseline-server",
        &["--variant", "hand", "--log-level", "warn"],
    ),
    Spec::new(
        "no-auth",
        "baseline-server",
        &["--variant", "noauth", "--log-level", "warn"],
    ),
    Spec::new(
        DSL_CONTROL,
        "baseline-server",
        &["--variant", "dsl", "--log-level", "warn"],
    ),
    // No logging at all: it has none.
    Spec::new(MINIMAL, "minimal-server", &[]),
    // As `cargo run -p demo-app` starts it: the default log level (`info`).
    Spec::new(INFO_LOG, "demo-app", &[]),
    Spec::new(
        NO_CACHE,
        "demo-app",
        &["--log-level", "warn", "--token-cache-entries", "0"],
    )
    .needs("--token-cache-entries"),
];

/// The log file of an HTTP contender: one name per contender, rewritten by each run (the
/// info-log contender's holds a line per request).
fn log_path(ctx: &crate::Ctx, name: &str) -> PathBuf {
    ctx.log(&format!("http-{}", slug(name)))
}

/// `name` for a file name: ASCII letters and digits, runs of anything else one `-`.
fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Why `spec` cannot run, if it cannot: `program --help` (run once per program, cached in
/// `helps`) does not mention the flag it needs.
fn missing_flag(
    ctx: &crate::Ctx,
    spec: &Spec,
    helps: &mut HashMap<&'static str, String>,
) -> Option<String> {
    let flag = spec.needs?;
    let help = helps.entry(spec.program).or_insert_with(|| {
        Command::new(ctx.bin_dir.join(spec.program))
            .arg("--help")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    });
    (!help.contains(flag)).then(|| format!("`{} --help` does not mention `{flag}`", spec.program))
}

/// The size of a log file: lines and bytes.
fn log_volume(path: &Path) -> Option<(u64, u64)> {
    let mut file = std::fs::File::open(path).ok()?;
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            return Some((lines, bytes));
        }
        bytes += n as u64;
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
}

/// What the info-log contender wrote: its log file's lines and bytes against the requests
/// it answered (warm-up and rounds).
pub(crate) struct LogVolume {
    pub(crate) path: PathBuf,
    pub(crate) lines: u64,
    pub(crate) bytes: u64,
    pub(crate) requests: u64,
}

/// The runs of one contender.
pub(crate) struct Contender {
    pub(crate) name: String,
    pub(crate) runs: Vec<WrkRun>,
}

impl Contender {
    pub(crate) fn rps(&self) -> f64 {
        median(&self.runs.iter().map(|r| r.rps).collect::<Vec<_>>())
    }
    pub(crate) fn p50(&self) -> f64 {
        median(&self.runs.iter().map(|r| r.p50).collect::<Vec<_>>())
    }
    pub(crate) fn p90(&self) -> f64 {
        median(&self.runs.iter().map(|r| r.p90).collect::<Vec<_>>())
    }
    pub(crate) fn p99(&self) -> f64 {
        median(&self.runs.iter().map(|r| r.p99).collect::<Vec<_>>())
    }
}

/// The phase's results.
pub(crate) struct HttpResults {
    pub(crate) contenders: Vec<Contender>,
    /// Contenders left out, and why.
    pub(crate) skipped: Vec<(&'static str, String)>,
    /// The info-log contender's log, when it ran.
    pub(crate) info_log: Option<LogVolume>,
    pub(crate) rounds: usize,
    pub(crate) duration: Duration,
    pub(crate) connections: u32,
}

impl HttpResults {
    pub(crate) fn get(&self, name: &str) -> Option<&Contender> {
        self.contenders.iter().find(|c| c.name == name)
    }

    /// The median over rounds of `f(a) / f(b)` within each round: the two ran minutes
    /// apart at most, so a drift of the machine over the run cancels out.
    pub(crate) fn paired(&self, a: &str, b: &str, f: impl Fn(&WrkRun) -> f64) -> f64 {
        match (self.get(a), self.get(b)) {
            (Some(a), Some(b)) => median(
                &a.runs
                    .iter()
                    .zip(&b.runs)
                    .map(|(x, y)| super::stats::ratio(f(x), f(y)))
                    .collect::<Vec<_>>(),
            ),
            _ => f64::NAN,
        }
    }
}

/// Checks that `server` answers the route with johndoe's item.
fn check(ctx: &Ctx, server: &Server) -> Result<(), String> {
    let answer = get(
        server.port,
        "/users/me/items/",
        std::slice::from_ref(&ctx.auth_header),
    )?;
    if answer.status != 200 || !answer.body.contains("\"owner\":\"johndoe\"") {
        return Err(format!(
            "{} answered {} {:?} to GET /users/me/items/",
            server.name, answer.status, answer.body
        ));
    }
    Ok(())
}

fn wrk<'a>(ctx: &'a Ctx, server: &Server, duration: Duration) -> WrkSpec<'a> {
    WrkSpec {
        url: server.url("/users/me/items/"),
        connections: ctx.config.http_connections,
        duration,
        headers: vec![ctx.auth_header.clone()],
        script: None,
        timeout: Duration::from_secs(30),
        cpus: Some(CLIENT_CPU),
    }
}

/// Runs the phase.
pub(crate) fn run(ctx: &Ctx, fastapi: Option<&FastApi>) -> Result<HttpResults, String> {
    let cfg = &ctx.config;
    let mut servers = Vec::new();
    let mut skipped = Vec::new();
    let mut helps = HashMap::new();
    for spec in RUST_CONTENDERS {
        if let Some(why) = missing_flag(ctx, spec, &mut helps) {
            eprintln!("[http] note: {} skipped: {why}", spec.name);
            skipped.push((spec.name, why));
            continue;
        }
        let port = free_port()?;
        let log = log_path(ctx, spec.name);
        servers.push(ctx.start_rust(spec, port, Some(SERVER_CPU), &log)?);
    }
    if let Some(fastapi) = fastapi {
        let port = free_port()?;
        servers.push(Server::start(
            "FastAPI",
            fastapi.command(Some(SERVER_CPU), port),
            port,
            &ctx.log("fastapi-http"),
            Duration::from_secs(30),
        )?);
    }
    let mut warm_up_requests = Vec::new();
    for server in &servers {
        check(ctx, server)?;
        eprintln!("[http] warm-up {}", server.name);
        warm_up_requests.push(wrk(ctx, server, Duration::from_secs(2)).run()?.requests);
        server.settle(SETTLE_PATIENCE);
    }
    let mut contenders: Vec<Contender> = servers
        .iter()
        .map(|s| Contender {
            name: s.name.clone(),
            runs: Vec::new(),
        })
        .collect();
    // Each round starts one contender further (A B C D, B C D A, ..): no one always runs
    // first, or always after the same neighbour.
    let n = servers.len();
    for round in 1..=cfg.http_rounds {
        for k in 0..n {
            let i = (round - 1 + k) % n;
            let (server, contender) = (&servers[i], &mut contenders[i]);
            let run = wrk(ctx, server, cfg.http_duration).run()?;
            let settled = server.settle(SETTLE_PATIENCE);
            eprintln!(
                "[http] round {round}/{} {:<22} {:>9.0} req/s  p50 {:.3} ms  p99 {:.3} ms  (idle after {} ms)",
                cfg.http_rounds,
                server.name,
                run.rps,
                run.p50,
                run.p99,
                settled.as_millis()
            );
            if run.non_2xx > 0 || run.requests == 0 {
                return Err(format!(
                    "{}: {} non-2xx answers out of {}",
                    server.name, run.non_2xx, run.requests
                ));
            }
            contender.runs.push(run);
        }
    }
    // Stopped before their logs are read.
    drop(servers);
    let info_log = contenders
        .iter()
        .zip(&warm_up_requests)
        .find(|(c, _)| c.name == INFO_LOG)
        .and_then(|(c, warm_up)| {
            let path = log_path(ctx, INFO_LOG);
            let (lines, bytes) = log_volume(&path)?;
            let requests = warm_up + c.runs.iter().map(|r| r.requests).sum::<u64>();
            eprintln!(
                "[http] {INFO_LOG}: {lines} log lines ({:.0} MB) for {requests} requests in {}",
                bytes as f64 / 1e6,
                path.display()
            );
            Some(LogVolume {
                path,
                lines,
                bytes,
                requests,
            })
        });
    Ok(HttpResults {
        contenders,
        skipped,
        info_log,
        rounds: cfg.http_rounds,
        duration: cfg.http_duration,
        connections: cfg.http_connections,
    })
}

#[cfg(test)]
mod tests {
    use super::{RUST_CONTENDERS, slug};

    #[test]
    fn contenders_have_distinct_names_and_log_files() {
        assert_eq!(slug("demo-app (info log)"), "demo-app-info-log");
        assert_eq!(slug("DSL in baseline binary"), "DSL-in-baseline-binary");
        let mut slugs: Vec<String> = RUST_CONTENDERS.iter().map(|s| slug(s.name)).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), RUST_CONTENDERS.len());
    }
}
