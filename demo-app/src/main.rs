//! `demo-app`: serve the tutorial (default), or print its route table.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use demo_app::app::AppState;
use demo_app::cli::{Cli, Command, ServeArgs};
use demo_app::{keys, logging, routes, server};
use scopes_runtime::{ErrorStyle, TokenConfig};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Routes { format }) => {
            print!("{}", routes::render(format));
            ExitCode::SUCCESS
        }
        Some(Command::Openapi) => {
            let style = if cli.serve.rfc6750 {
                ErrorStyle::Rfc6750
            } else {
                ErrorStyle::Tutorial
            };
            match serde_json::to_string_pretty(&demo_app::openapi::document_in(style)) {
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

    let config = server::ServerConfig::from_args(&args);
    let result = actix_web::rt::System::new().block_on(async move {
        // Unknown usernames must cost as much as wrong passwords, from the first request.
        if let Err(error) = demo_app::auth::PASSWORDS.warm_up().await {
            tracing::error!(%error, "could not prepare the dummy password hash");
        }
        let running = server::start(config, state)?;
        println!("demo-app listening on http://{}", running.addr);
        tracing::info!(addr = %running.addr, "listening");
        running.server.await
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
