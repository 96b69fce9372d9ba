//! `minimal-server`: the hand-written `GET /users/me/items/` of [`minimal_server`] on
//! 127.0.0.1, nothing else (no logging, no middleware).
//!
//! ```text
//! minimal-server [--port 8003] [--workers N]   # workers: actix-web's default, one per core
//! ```

use std::process::ExitCode;

use actix_web::{App, HttpServer};

struct Args {
    port: u16,
    workers: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8003,
        workers: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = value?.parse().map_err(|e| format!("--port: {e}"))?,
            "--workers" => {
                let n: usize = value?.parse().map_err(|e| format!("--workers: {e}"))?;
                args.workers = Some(n.max(1));
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: minimal-server [--port 8003] [--workers N]"
                ));
            }
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
    let result = actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(|| App::new().configure(minimal_server::configure));
        if let Some(workers) = args.workers {
            server = server.workers(workers);
        }
        let server = server.bind(("127.0.0.1", args.port))?;
        for addr in server.addrs() {
            println!("minimal-server listening on http://{addr}");
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
