//! [`Context`]: what resolving a handler's dependencies carries from node to node.

use actix_web::dev::Payload;
use actix_web::{HttpRequest, web};

use crate::cache::Cache;

/// The request being answered, its body (for extractors that read it) and the per-request
/// [`Cache`], owned by the handler's wrapper and lent to each dependency in turn. One value,
/// so that the generated code passes, holds and drops one thing.
pub struct Context {
    req: HttpRequest,
    payload: Payload,
    cache: Cache,
}

impl Context {
    /// The context of a request for a handler's wrapper; allocates nothing.
    pub fn new(req: HttpRequest, payload: web::Payload) -> Self {
        Self {
            req,
            payload: payload.into_inner(),
            cache: Cache::new(),
        }
    }

    /// The context of a request with no body, for resolving a dependency outside a handler
    /// (benchmarks, tests).
    pub fn without_body(req: HttpRequest) -> Self {
        Self {
            req,
            payload: Payload::None,
            cache: Cache::new(),
        }
    }

    /// The request.
    pub fn request(&self) -> &HttpRequest {
        &self.req
    }

    /// The request and its body, for an extractor.
    pub(crate) fn parts(&mut self) -> (&HttpRequest, &mut Payload) {
        (&self.req, &mut self.payload)
    }

    /// The per-request cache of dependency results.
    pub(crate) fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The per-request cache, to record a result.
    pub(crate) fn cache_mut(&mut self) -> &mut Cache {
        &mut self.cache
    }
}

impl core::fmt::Debug for Context {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Not the request: its headers may hold credentials.
        f.debug_struct("Context")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}
