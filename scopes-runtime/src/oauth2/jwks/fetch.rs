//! Reading a document from a [`JwksLocation`]: a bounded HTTP GET (with its
//! `Cache-Control: max-age`) or a file.

use core::time::Duration;

use super::{JwksError, JwksLocation, JwksOptions};

/// The document at `location`, and how long the server says it may be cached.
pub(super) async fn fetch(
    location: &JwksLocation,
    options: &JwksOptions,
) -> Result<(Vec<u8>, Option<Duration>), JwksError> {
    match location {
        JwksLocation::File(path) => std::fs::read(path)
            .map(|body| (body, None))
            .map_err(JwksError::Io),
        JwksLocation::Url(url) => get(url, options).await,
    }
}

/// `GET url`, bounded by the options' timeout and size.
#[cfg(feature = "jwks")]
pub(super) async fn get(
    url: &str,
    options: &JwksOptions,
) -> Result<(Vec<u8>, Option<Duration>), JwksError> {
    use actix_web::http::header;

    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(JwksError::Unsupported(url.to_owned()));
    }
    let client = awc::Client::builder().timeout(options.timeout).finish();
    let mut response = client
        .get(url)
        .insert_header((header::ACCEPT, "application/json"))
        .send()
        .await
        .map_err(|e| JwksError::Fetch(e.to_string()))?;
    if !response.status().is_success() {
        return Err(JwksError::Status(response.status().as_u16()));
    }
    let max_age = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .and_then(max_age);
    let body = response
        .body()
        .limit(options.max_size)
        .await
        .map_err(|e| JwksError::Fetch(e.to_string()))?;
    Ok((body.to_vec(), max_age))
}

#[cfg(not(feature = "jwks"))]
pub(super) async fn get(
    url: &str,
    _: &JwksOptions,
) -> Result<(Vec<u8>, Option<Duration>), JwksError> {
    Err(JwksError::Unsupported(format!(
        "{url}: fetching a URL needs the `jwks` feature"
    )))
}

/// How long a response with this `Cache-Control` may be kept: its `max-age`; zero for
/// `no-store`/`no-cache` (then the cooldown bounds it from below); `None` without either.
#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
pub(super) fn max_age(cache_control: &str) -> Option<Duration> {
    let mut age = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim();
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return Some(Duration::ZERO),
            "max-age" => {
                age = value
                    .trim()
                    .trim_matches('"')
                    .parse::<u64>()
                    .ok()
                    .map(Duration::from_secs);
            }
            _ => {}
        }
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(max_age("Max-Age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("max-age=60, no-cache"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
