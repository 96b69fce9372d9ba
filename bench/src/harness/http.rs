//! HTTP throughput and latency of `GET /users/me/items/` with a valid token: demo-app (the
//! DSL), the hand-written baseline, the no-auth ceiling and the FastAPI original, one worker
//! each, all pinned to CPU 0 while wrk runs pinned to CPU 1; the contenders interleaved
//! (A B C D, A B C D, ..) and the medians taken.

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
    let mut servers = vec![
        ctx.start("demo-app", Some(SERVER_CPU))?,
        ctx.start("hand-written", Some(SERVER_CPU))?,
        ctx.start("no-auth", Some(SERVER_CPU))?,
        ctx.start(DSL_CONTROL, Some(SERVER_CPU))?,
    ];
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
    for server in &servers {
        check(ctx, server)?;
        eprintln!("[http] warm-up {}", server.name);
        wrk(ctx, server, Duration::from_secs(2)).run()?;
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
                "[http] round {round}/{} {:<13} {:>9.0} req/s  p50 {:.3} ms  p99 {:.3} ms  (idle after {} ms)",
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
    Ok(HttpResults {
        contenders,
        rounds: cfg.http_rounds,
        duration: cfg.http_duration,
        connections: cfg.http_connections,
    })
}
