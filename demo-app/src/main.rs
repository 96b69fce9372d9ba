//! `demo-app`: serve the tutorial (default), or print its route table.

use std::process::ExitCode;
use std::time::Duration;

use actix_web::{App, HttpServer, middleware};
use clap::Parser;
use demo_app::app::AppState;
use demo_app::cli::{Cli, Command, ServeArgs};
use demo_app::{keys, logging, routes};
use scopes_runtime::{ErrorStyle, TokenConfig};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Routes { format }) => {
            print!("{}", routes::render(format));
            ExitCode::SUCCESS
        }
        Some(Command::Openapi) => {
            match serde_json::to_string_pretty(&demo_app::openapi::document()) {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Serve) | None => serve(cli.serve),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    logging::init(&args.log_level);
    let (keys, generated) = match keys::load(&args) {
        Ok(keys) => keys,
        Err(error) => {
            tracing::error!(%error, "invalid key configuration");
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if generated {
        tracing::warn!(
            "no SECRET_KEY or key file given: signing with a random key generated at start; \
             tokens will not survive a restart"
        );
    }
    let style = if args.rfc6750 {
        ErrorStyle::Rfc6750
    } else {
        ErrorStyle::Tutorial
    };
    let lifetime = Duration::from_secs(u64::from(args.token_minutes) * 60);
    args.logins.configure_bcrypt();
    let state = AppState::new(TokenConfig::new(keys), lifetime, style)
        .with_login_limits(args.logins.limits());

    let result = actix_web::rt::System::new().block_on(async move {
        // Unknown usernames must cost as much as wrong passwords, from the first request.
        if let Err(error) = demo_app::auth::PASSWORDS.warm_up().await {
            tracing::error!(%error, "could not prepare the dummy password hash");
        }
        let mut server = HttpServer::new(move || {
            let state = state.clone();
            App::new()
                .wrap(demo_app::app::gate())
                .wrap(middleware::from_fn(logging::access_log))
                .configure(move |cfg| state.configure(cfg))
        })
        .shutdown_timeout(10);
        if let Some(workers) = args.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.bind((args.host, args.port))?;
        for addr in server.addrs() {
            println!("demo-app listening on http://{addr}");
            tracing::info!(%addr, "listening");
        }
        server.run().await
    });
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "server failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
