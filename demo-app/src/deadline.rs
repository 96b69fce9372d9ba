//! The request middleware of the connection layer ([`crate::conn`]): the body timeout, and
//! telling the connection when a request starts and when its response is done.
//!
//! actix-web has no body-read timeout: a client that sends a `/token` head and then its body
//! one byte a minute would hold its connection (and the handler) forever. Here the payload
//! is wrapped in a stream that fails once the body timeout has passed since the request
//! reached the app; the extractor reading it fails, and the answer is replaced by
//! `408 Request Timeout` with `Connection: close` (actix-http closes a connection whose
//! request body was not read to the end in any case).
//!
//! Outside the connection layer (in-process tests) the middleware does nothing.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_http::error::PayloadError;
use actix_rt::time::{Instant, Sleep, sleep_until};
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use futures_core::Stream;

use crate::conn::{ConnHandle, RequestGuard};

/// Middleware: applies the body timeout and tracks the request on its connection.
pub(crate) async fn request_deadlines<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(conn) = req.conn_data::<ConnHandle>().cloned() else {
        return next
            .call(req)
            .await
            .map(|res| res.map_body(|_, body| EitherBody::left(Tracked { body, guard: None })));
    };
    let guard = conn.request_started();
    let timeout = conn.timeouts().body;
    let payload = req.take_payload();
    // A request without a body (most of them: every `GET`) needs no timer and no flag.
    let timed_out = if matches!(payload, Payload::None) {
        guard.body_read().set(true);
        None
    } else {
        let timed_out = Rc::new(Cell::new(false));
        req.set_payload(Payload::Stream {
            payload: Box::pin(BodyDeadline {
                inner: payload,
                timer: Box::pin(sleep_until(Instant::now() + timeout)),
                timed_out: Rc::clone(&timed_out),
                read: guard.body_read(),
            }),
        });
        Some(timed_out)
    };
    let res = next.call(req).await;
    if timed_out.is_some_and(|flag| flag.get()) {
        let error = BodyTimeout {
            ms: timeout.as_millis(),
        };
        return match res {
            Ok(res) => {
                let (req, _) = res.into_parts();
                Ok(ServiceResponse::new(req, error.error_response()).map_into_right_body())
            }
            Err(_) => Err(error.into()),
        };
    }
    res.map(|res| {
        res.map_body(|_, body| {
            EitherBody::left(Tracked {
                body,
                guard: Some(guard),
            })
        })
    })
}

/// The request body did not arrive in time.
#[derive(Debug)]
struct BodyTimeout {
    ms: u128,
}

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body not complete within {} ms", self.ms)
    }
}

impl ResponseError for BodyTimeout {
    fn status_code(&self) -> StatusCode {
        StatusCode::REQUEST_TIMEOUT
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::RequestTimeout()
            .force_close()
            .json(serde_json::json!({ "detail": "Request body timeout" }))
    }
}

/// A request payload that fails once its deadline has passed.
struct BodyDeadline {
    inner: Payload,
    timer: Pin<Box<Sleep>>,
    timed_out: Rc<Cell<bool>>,
    /// Set at the body's end.
    read: Rc<Cell<bool>>,
}

impl Stream for BodyDeadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.timed_out.get() {
            return Poll::Ready(None);
        }
        // What has arrived is handed on first: a body complete in time never fails.
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Pending => {}
            Poll::Ready(None) => {
                this.read.set(true);
                return Poll::Ready(None);
            }
            ready => return ready,
        }
        if this.timer.as_mut().poll(cx).is_ready() {
            this.timed_out.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                "request body timeout",
            )))));
        }
        Poll::Pending
    }
}

pin_project_lite::pin_project! {
    /// A response body that tells the connection when it is done (dropped by actix-http
    /// once written, or when the connection ends).
    struct Tracked<B> {
        #[pin]
        body: B,
        guard: Option<RequestGuard>,
    }
}

impl<B: MessageBody> MessageBody for Tracked<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.project().body.poll_next(cx)
    }

    fn try_into_bytes(self) -> Result<Bytes, Self> {
        let Self { body, guard } = self;
        body.try_into_bytes().map_err(|body| Self { body, guard })
    }
}
