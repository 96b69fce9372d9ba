//! The benchmark harness of the `scopes` workspace.
//!
//! ```text
//! cargo run -p bench --release                 # everything, writes BENCHMARKS.md and bench/results/*.png
//! cargo run -p bench --release -- --quick      # shorter rounds, N = 10 and 100 only (a smoke run)
//! cargo run -p bench --release -- --only http,alloc   # some phases: http login alloc compile micro
//! ```
//!
//! Phases: HTTP throughput and latency of `GET /users/me/items/` (demo-app, the hand-written
//! baseline, the minimal app that shares nothing with the runtime, the no-auth ceiling, the
//! FastAPI original), `GET /status/` latency under login
//! load, heap allocations per request, compile time of generated crates, and criterion micro
//! benches. Load comes from wrk (`apt-get install wrk`) on loopback; the harness installs
//! nothing but the FastAPI venv.

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use harness::report::Report;
use harness::server::{Server, free_port, pinned};
use scopes_runtime::{JwtKeys, TokenConfig};

/// The phases, in the order they run.
pub(crate) const PHASES: &[&str] = &["http", "login", "alloc", "compile", "micro"];

/// How long and how often.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) quick: bool,
    pub(crate) phases: Vec<&'static str>,
    pub(crate) http_rounds: usize,
    pub(crate) http_duration: Duration,
    pub(crate) http_connections: u32,
    pub(crate) login_rounds: usize,
    pub(crate) login_duration: Duration,
    pub(crate) login_connections: u32,
    pub(crate) status_connections: u32,
    pub(crate) compile_sizes: Vec<usize>,
    pub(crate) compile_reps: usize,
    pub(crate) alloc_requests: usize,
    pub(crate) fastapi: bool,
}

impl Config {
    fn from_args() -> Result<Self, String> {
        let mut config = Self {
            quick: false,
            phases: PHASES.to_vec(),
            http_rounds: 24,
            http_duration: Duration::from_secs(1),
            http_connections: 32,
            login_rounds: 3,
            login_duration: Duration::from_secs(4),
            login_connections: 4,
            status_connections: 4,
            compile_sizes: vec![10, 100, 500],
            compile_reps: 3,
            alloc_requests: 1000,
            fastapi: true,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => {
                    config.quick = true;
                    config.http_rounds = 2;
                    config.http_duration = Duration::from_secs(1);
                    config.login_rounds = 1;
                    config.login_duration = Duration::from_secs(3);
                    config.compile_sizes = vec![10, 100];
                    config.compile_reps = 1;
                    config.alloc_requests = 100;
                }
                "--no-fastapi" => config.fastapi = false,
                "--sizes" => {
                    let list = args.next().ok_or("--sizes needs a list, e.g. 10,100,500")?;
                    config.compile_sizes = list
                        .split(',')
                        .map(|n| n.parse().map_err(|e| format!("--sizes: {e}")))
                        .collect::<Result<_, String>>()?;
                }
                "--reps" => {
                    let n = args.next().ok_or("--reps needs a number")?;
                    config.compile_reps = n.parse().map_err(|e| format!("--reps: {e}"))?;
                }
                "--only" => {
                    let list = args.next().ok_or("--only needs a list")?;
                    config.phases = Vec::new();
                    for name in list.split(',') {
                        let phase = PHASES
                            .iter()
                            .find(|p| **p == name)
                            .ok_or_else(|| format!("unknown phase {name:?}; phases: {PHASES:?}"))?;
                        config.phases.push(phase);
                    }
                }
                "-h" | "--help" => {
                    println!(
                        "cargo run -p bench --release -- [--quick] [--no-fastapi] [--only {}] \
                         [--sizes 10,100,500] [--reps 3]",
                        PHASES.join(",")
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(config)
    }

    pub(crate) fn runs(&self, phase: &str) -> bool {
        self.phases.contains(&phase)
    }
}

/// Where things are, and the token every contender accepts.
pub(crate) struct Ctx {
    pub(crate) config: Config,
    /// The workspace root.
    pub(crate) root: PathBuf,
    /// The cargo target dir.
    pub(crate) target: PathBuf,
    /// Where the release binaries are.
    pub(crate) bin_dir: PathBuf,
    /// Scratch space: logs, Lua scripts.
    pub(crate) run_dir: PathBuf,
    /// `Authorization: Bearer ..` for johndoe with `me items`, signed with the tutorial key.
    pub(crate) auth_header: String,
    /// The token config that accepts it.
    pub(crate) tokens: TokenConfig,
}

impl Ctx {
    /// Starts the Rust contender `spec` on `port` with one worker, its output to `log`.
    pub(crate) fn start_rust(
        &self,
        spec: &harness::http::Spec,
        port: u16,
        cpus: Option<&str>,
        log: &Path,
    ) -> Result<Server, String> {
        let mut cmd = pinned(cpus, &self.bin_dir.join(spec.program));
        cmd.args(spec.args)
            .args(["--port", &port.to_string(), "--workers", "1"])
            .env("SECRET_KEY", bench::SECRET_KEY)
            // The log level is the contender's: its arguments, or the program's default.
            .env_remove("LOG_LEVEL");
        Server::start(spec.name, cmd, port, log, Duration::from_secs(20))
    }

    /// The Rust contender named `name` (demo-app, the hand-written baseline, ..; see
    /// [`harness::http::RUST_CONTENDERS`]), one worker.
    pub(crate) fn start(&self, name: &str, cpus: Option<&str>) -> Result<Server, String> {
        let spec = harness::http::RUST_CONTENDERS
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("unknown server {name}"))?;
        let port = free_port()?;
        self.start_rust(spec, port, cpus, &self.log(&format!("{name}-{port}")))
    }

    pub(crate) fn log(&self, name: &str) -> PathBuf {
        self.run_dir.join(format!("{name}.log"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Builds the servers (and the criterion bench when it runs) in release.
fn build(root: &Path, config: &Config) -> Result<Duration, String> {
    let started = Instant::now();
    let status = cargo()
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "demo-app",
            "-p",
            "bench",
            "-p",
            "minimal-server",
            "--bins",
        ])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build --release failed".into());
    }
    if config.runs("micro") {
        let status = cargo()
            .current_dir(root)
            .args(["bench", "-p", "bench", "--bench", "micro", "--no-run"])
            .status()
            .map_err(|e| format!("cargo: {e}"))?;
        if !status.success() {
            return Err("cargo bench --no-run failed".into());
        }
    }
    Ok(started.elapsed())
}

fn run() -> Result<(), String> {
    let started = Instant::now();
    let config = Config::from_args()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin_dir = exe.parent().ok_or("no binary dir")?.to_path_buf();
    let target = bin_dir.parent().ok_or("no target dir")?.to_path_buf();
    let run_dir = target.join("bench-run");
    std::fs::create_dir_all(&run_dir).map_err(|e| e.to_string())?;

    if (config.runs("http") || config.runs("login")) && !harness::server::have("wrk") {
        return Err(
            "wrk is not installed: `apt-get install -y wrk` (Debian's package), \
                    or run other phases with --only alloc,compile,micro"
                .into(),
        );
    }

    let mut report = Report::new(&config);
    report.load_start = harness::report::loadavg();
    report.release_profile = harness::report::release_profile(&root);
    eprintln!("[build] cargo build --release -p demo-app -p bench -p minimal-server --bins");
    report.build_time = Some(build(&root, &config)?);

    let tokens = TokenConfig::new(JwtKeys::hs256(bench::SECRET_KEY).map_err(|e| e.to_string())?);
    let token = tokens
        .issue("johndoe", ["me", "items"], Duration::from_secs(3 * 3600))
        .map_err(|e| e.to_string())?;
    let ctx = Ctx {
        config,
        root,
        target,
        bin_dir,
        run_dir,
        auth_header: format!("Authorization: Bearer {token}"),
        tokens,
    };

    let fastapi = if ctx.config.fastapi && (ctx.config.runs("http") || ctx.config.runs("login")) {
        match harness::fastapi::prepare(&ctx.root, &ctx.target) {
            Ok(fastapi) => {
                report.fastapi_versions = Some(fastapi.versions());
                Some(fastapi)
            }
            Err(why) => {
                eprintln!("[fastapi] skipped: {why}");
                report.fastapi_skipped = Some(why);
                None
            }
        }
    } else {
        report.fastapi_skipped = Some("disabled with --no-fastapi".into());
        None
    };

    if ctx.config.runs("http") {
        report.http = Some(harness::http::run(&ctx, fastapi.as_ref())?);
    }
    if ctx.config.runs("login") {
        report.login = Some(harness::login::run(&ctx, fastapi.as_ref())?);
    }
    if ctx.config.runs("alloc") {
        report.alloc = Some(harness::alloc::run(&ctx)?);
    }
    if ctx.config.runs("compile") {
        report.compile = Some(harness::compile::run(&ctx)?);
    }
    if ctx.config.runs("micro") {
        report.micro = Some(harness::micro::run(&ctx)?);
    }
    report.load_end = harness::report::loadavg();
    report.wall_time = started.elapsed();
    report.write(&ctx)?;
    eprintln!(
        "[done] {:.0} s; wrote {} and {}",
        report.wall_time.as_secs_f64(),
        ctx.root.join("BENCHMARKS.md").display(),
        ctx.root.join("bench/results").display()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
