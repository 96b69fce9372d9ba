//! The benchmark suite of the `scopes` workspace (`cargo run -p bench --release`).
//!
//! The library holds what the harness, the servers and the criterion benches share: the
//! hand-written baseline app and the no-auth ceiling ([`baseline`]), the rows of demo-app's
//! table that the pieces are measured at ([`paths`]), and the fixed secret
//! the bench signs tokens with ([`SECRET_KEY`]). The harness itself is the `bench` binary;
//! see `BENCHMARKS.md` at the workspace root for what it measures and the latest figures.

pub mod baseline;
pub mod paths;

/// The tutorial's HS256 secret: tokens minted with it are accepted by demo-app, the
/// hand-written baseline and the FastAPI original alike.
pub const SECRET_KEY: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
