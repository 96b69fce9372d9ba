//! `demo-app`: serve the tutorial (default), or print its route table.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use demo_app::app::AppState;
use demo_app::cli::{Cli, Command, ServeArgs};
use demo_app::handlers::SERVICES;
use demo_app::{keys, logging, routes, server};
use scopes_runtime::ErrorStyle;
use scopes_runtime::services::ProtectedResource;

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
    // Dropped last, as `serve` returns: once the server has stopped and the last line
    // (`stopped`, or the error) is logged, it writes what is still queued (see `logging`).
    let _log = logging::init(&args.log_level);
    let fail = |error: keys::ConfigError| {
        tracing::error!(%error, "invalid key configuration");
        eprintln!("error: {error}");
        ExitCode::from(2)
    };
    let own = match keys::load(&args) {
        Ok(keys) => keys,
        Err(error) => return fail(error),
    };
    if let keys::Keys::Secret(_, true) = own {
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

    let config = server::ServerConfig::from_args(&args);
    let result = actix_web::rt::System::new().block_on(async move {
        let keys = match keys::provider(&args.provider).await {
            Ok(Some(provider)) => provider,
            Ok(None) => own,
            Err(error) => return Ok(Err(fail(error))),
        };
        let tokens = match keys::token_config(&keys, &args.provider) {
            Ok(tokens) => tokens,
            Err(error) => return Ok(Err(fail(error))),
        };
        let mut state =
            AppState::new(tokens, lifetime, style).with_login_limits(args.logins.limits());
        if let keys::Keys::Ring(ring, dir) = &keys {
            state = state.with_key_ring(ring.clone());
            if let Some(dir) = dir.clone() {
                let every = Duration::from_secs(args.provider.key_reload_s);
                actix_web::rt::spawn(keys::reload(ring.clone(), dir, args.algorithm, every));
            }
        }
        // The RFC 9728 metadata: of `--resource-url`, or in RFC 6750 mode of the server's own
        // address, so that every 401 and 403 names it.
        let resource = args.provider.resource_url.clone();
        let metadata = match &resource {
            Some(resource) => match resource_metadata(resource, &args) {
                Ok(metadata) => Some(metadata),
                Err(error) => {
                    eprintln!("error: --resource-url: {error}");
                    return Ok(Err(ExitCode::from(2)));
                }
            },
            None => None,
        };
        let rfc6750 = args.rfc6750;
        let make_state = move |addr: std::net::SocketAddr| {
            let own = || resource_metadata(&format!("http://{addr}"), &args).ok();
            match metadata.or_else(|| rfc6750.then(own).flatten()) {
                Some(metadata) => state.with_resource(metadata),
                None => state,
            }
        };
        // Unknown usernames must cost as much as wrong passwords, from the first request.
        if let Err(error) = demo_app::auth::PASSWORDS.warm_up().await {
            tracing::error!(%error, "could not prepare the dummy password hash");
        }
        let running = server::start_with(config, make_state)?;
        println!("demo-app listening on http://{}", running.addr);
        tracing::info!(addr = %running.addr, "listening");
        running.server.await.map(Ok)
    });
    match result {
        Ok(Ok(())) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Ok(Err(code)) => code,
        Err(error) => {
            tracing::error!(%error, "server failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The RFC 9728 metadata of `resource`, naming the authorization server the arguments say.
fn resource_metadata(
    resource: &str,
    args: &ServeArgs,
) -> Result<ProtectedResource, scopes_runtime::services::ResourceError> {
    let metadata = ProtectedResource::new(resource, &SERVICES)?;
    let server = args
        .provider
        .authorization_server
        .clone()
        .or_else(|| args.provider.oidc_issuer.clone())
        .unwrap_or_else(|| metadata.origin().to_owned());
    Ok(metadata.authorization_server(server).name("demo-app"))
}
