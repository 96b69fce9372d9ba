//! `baseline-server`: the hand-written baseline (`--variant hand`) or the no-auth ceiling
//! (`--variant noauth`), served like demo-app serves the DSL app: same access-log
//! middleware and log filter, `--workers` worker threads (default 1), `SECRET_KEY` from the
//! environment (default: the tutorial's). `--variant dsl` serves demo-app's own app
//! (`AppState`) from this binary: the control that tells the DSL from the two binaries.
//!
//! ```text
//! baseline-server --variant hand|noauth|dsl [--port 8002] [--workers 1] [--log-level warn]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use actix_web::{App, HttpServer, middleware};
use demo_app::app::AppState;
use demo_app::logging;
use scopes_runtime::{ErrorStyle, JwtKeys, TokenConfig};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Hand,
    NoAuth,
    Dsl,
}

struct Args {
    variant: Variant,
    port: u16,
    workers: usize,
    log_level: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        variant: Variant::Hand,
        port: 8002,
        workers: 1,
        log_level: "warn".to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--variant" => {
                args.variant = match value()?.as_str() {
                    "hand" => Variant::Hand,
                    "noauth" => Variant::NoAuth,
                    "dsl" => Variant::Dsl,
                    other => return Err(format!("unknown variant {other:?} (hand|noauth|dsl)")),
                }
            }
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--workers" => {
                args.workers = value()?.parse().map_err(|e| format!("--workers: {e}"))?;
            }
            "--log-level" => args.log_level = value()?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    // Kept until `main` returns, as demo-app's `main` keeps it: dropping it writes what the
    // log's thread still holds.
    let _log = logging::init(&args.log_level);
    let secret = std::env::var("SECRET_KEY").unwrap_or_else(|_| bench::SECRET_KEY.to_owned());
    let tokens = match JwtKeys::hs256(secret.as_bytes()) {
        Ok(keys) => TokenConfig::new(keys),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let variant = args.variant;
    let state = AppState::new(
        tokens.clone(),
        Duration::from_secs(30 * 60),
        ErrorStyle::Tutorial,
    );
    let result = actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            let tokens = tokens.clone();
            let state = state.clone();
            App::new()
                .wrap(middleware::from_fn(logging::access_log))
                .configure(move |cfg| match variant {
                    Variant::Hand => bench::baseline::configure_handwritten(cfg, tokens),
                    Variant::NoAuth => bench::baseline::configure_noauth(cfg),
                    Variant::Dsl => state.configure(cfg),
                })
        })
        .workers(args.workers.max(1))
        .bind(("127.0.0.1", args.port))?;
        for addr in server.addrs() {
            println!("baseline-server listening on http://{addr}");
        }
        server.run().await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
