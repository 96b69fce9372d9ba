//! The harness's phases and helpers.

pub(crate) mod alloc;
pub(crate) mod chart;
pub(crate) mod compile;
pub(crate) mod fastapi;
pub(crate) mod http;
pub(crate) mod login;
pub(crate) mod merge;
pub(crate) mod micro;
pub(crate) mod report;
pub(crate) mod server;
pub(crate) mod stats;
pub(crate) mod wrk;
