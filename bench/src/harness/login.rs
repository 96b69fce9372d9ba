//! `GET /status/` latency while `POST /token` (bcrypt, cost 12) runs at a fixed concurrency,
//! against the same with no login load; demo-app and the FastAPI original, one worker each,
//! not pinned (bcrypt may use both cores, as it would in production). Idle and loaded runs
//! alternate, round after round.
//!
//! `/status/` is paced (wrk's Lua `delay()`: each connection waits [`PACE_MS`] between
//! answer and next request), so that neither server is saturated by it: the latency
//! measured is what a request meets, not the queue of a closed loop.

use std::process::Stdio;
use std::time::Duration;

use super::fastapi::FastApi;
use super::server::{Server, free_port, post_form};
use super::stats::{median, ratio};
use super::wrk::{WrkRun, WrkSpec, parse};
use crate::Ctx;

const FORM: &str = "username=johndoe&password=secret&scope=me%20items";
/// Pause of each `/status/` connection between an answer and its next request.
pub(crate) const PACE_MS: u32 = 4;

/// One target's runs.
pub(crate) struct LoginTarget {
    pub(crate) name: String,
    pub(crate) idle: Vec<WrkRun>,
    pub(crate) loaded: Vec<WrkRun>,
    /// The login wrk's runs (logins per second).
    pub(crate) logins: Vec<WrkRun>,
}

fn med(runs: &[WrkRun], f: impl Fn(&WrkRun) -> f64) -> f64 {
    median(&runs.iter().map(f).collect::<Vec<_>>())
}

impl LoginTarget {
    pub(crate) fn idle_p50(&self) -> f64 {
        med(&self.idle, |r| r.p50)
    }
    pub(crate) fn idle_p99(&self) -> f64 {
        med(&self.idle, |r| r.p99)
    }
    pub(crate) fn loaded_p50(&self) -> f64 {
        med(&self.loaded, |r| r.p50)
    }
    pub(crate) fn loaded_p99(&self) -> f64 {
        med(&self.loaded, |r| r.p99)
    }
    pub(crate) fn idle_rps(&self) -> f64 {
        med(&self.idle, |r| r.rps)
    }
    pub(crate) fn loaded_rps(&self) -> f64 {
        med(&self.loaded, |r| r.rps)
    }
    pub(crate) fn logins_per_s(&self) -> f64 {
        med(&self.logins, |r| r.rps)
    }
    pub(crate) fn p99_ratio(&self) -> f64 {
        ratio(self.loaded_p99(), self.idle_p99())
    }
    pub(crate) fn p50_ratio(&self) -> f64 {
        ratio(self.loaded_p50(), self.idle_p50())
    }
}

/// The phase's results.
pub(crate) struct LoginResults {
    pub(crate) targets: Vec<LoginTarget>,
    pub(crate) rounds: usize,
    pub(crate) duration: Duration,
    pub(crate) login_connections: u32,
    /// How many bcrypt jobs demo-app runs at once on this machine.
    pub(crate) bcrypt_slots: usize,
    pub(crate) status_connections: u32,
}

/// Runs the phase.
pub(crate) fn run(ctx: &Ctx, fastapi: Option<&FastApi>) -> Result<LoginResults, String> {
    let cfg = &ctx.config;
    let script = ctx.run_dir.join("login.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = \"{FORM}\"\n\
             wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let paced = ctx.run_dir.join("paced.lua");
    std::fs::write(
        &paced,
        format!("function delay()\n  return {PACE_MS}\nend\n"),
    )
    .map_err(|e| e.to_string())?;

    let mut servers = vec![ctx.start("demo-app", None)?];
    if let Some(fastapi) = fastapi {
        let port = free_port()?;
        servers.push(Server::start(
            "FastAPI",
            fastapi.command(None, port),
            port,
            &ctx.log("fastapi-login"),
            Duration::from_secs(30),
        )?);
    }
    for server in &servers {
        let answer = post_form(server.port, "/token", FORM)?;
        if answer.status != 200 || !answer.body.contains("access_token") {
            return Err(format!(
                "{}: POST /token answered {} {:?}",
                server.name, answer.status, answer.body
            ));
        }
    }
    let status_wrk = |server: &Server| WrkSpec {
        url: server.url("/status/"),
        connections: cfg.status_connections,
        duration: cfg.login_duration,
        headers: vec![ctx.auth_header.clone()],
        script: Some(&paced),
        timeout: Duration::from_secs(60),
        cpus: None,
    };
    let mut targets: Vec<LoginTarget> = servers
        .iter()
        .map(|s| LoginTarget {
            name: s.name.clone(),
            idle: Vec::new(),
            loaded: Vec::new(),
            logins: Vec::new(),
        })
        .collect();
    // Warm-up.
    for server in &servers {
        let mut warm = status_wrk(server);
        warm.duration = Duration::from_secs(1);
        warm.run()?;
    }
    for round in 1..=cfg.login_rounds {
        for (server, target) in servers.iter().zip(&mut targets) {
            let idle = status_wrk(server).run()?;
            eprintln!(
                "[login] round {round}/{} {:<28} idle    /status/ p50 {:.3} ms  p99 {:.3} ms",
                cfg.login_rounds, server.name, idle.p50, idle.p99
            );
            // The login load starts a second early and ends a second late.
            let login = WrkSpec {
                url: server.url("/token"),
                connections: cfg.login_connections,
                duration: cfg.login_duration + Duration::from_secs(2),
                headers: Vec::new(),
                script: Some(&script),
                timeout: Duration::from_secs(60),
                cpus: None,
            };
            let child = login
                .command()
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot run wrk: {e}"))?;
            std::thread::sleep(Duration::from_secs(1));
            let loaded = status_wrk(server).run();
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            let loaded = loaded?;
            let logins = parse(&String::from_utf8_lossy(&out.stdout))
                .ok_or("cannot read the login wrk's report")?;
            eprintln!(
                "[login] round {round}/{} {:<28} loaded  /status/ p50 {:.3} ms  p99 {:.3} ms  ({:.1} logins/s)",
                cfg.login_rounds, server.name, loaded.p50, loaded.p99, logins.rps
            );
            if logins.non_2xx > 0 {
                return Err(format!("{}: {} failed logins", server.name, logins.non_2xx));
            }
            if idle.non_2xx > 0 || loaded.non_2xx > 0 {
                return Err(format!("{}: /status/ did not answer 200", server.name));
            }
            target.idle.push(idle);
            target.loaded.push(loaded);
            target.logins.push(logins);
        }
    }
    Ok(LoginResults {
        targets,
        rounds: cfg.login_rounds,
        duration: cfg.login_duration,
        login_connections: cfg.login_connections,
        bcrypt_slots: scopes_runtime::oauth2::max_concurrent(),
        status_connections: cfg.status_connections,
    })
}
