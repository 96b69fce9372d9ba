//! `GET /docs`: Swagger UI as FastAPI serves it, from assets vendored into the binary.
//!
//! The page lives at `/docs` (not `/docs/`) so that the scheme's relative `tokenUrl`
//! (`token`, as in the tutorial) resolves to `/token` in the Authorize dialog, exactly as on
//! FastAPI's page. The assets are `utoipa-swagger-ui`'s vendored copy under `/docs/`.

use actix_web::{HttpRequest, HttpResponse, get};
use scopes_runtime::public;

/// FastAPI's `get_swagger_ui_html`, with local assets.
const PAGE: &str = r#"<!DOCTYPE html>
<html>
<head>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<title>scopes demo-app - Swagger UI</title>
</head>
<body>
<div id="swagger-ui">
</div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect.html',
    presets: [
        SwaggerUIBundle.presets.apis,
        SwaggerUIBundle.SwaggerUIStandalonePreset
    ],
})
</script>
</body>
</html>
"#;

/// The Swagger UI page.
#[public]
#[get("/docs")]
pub(crate) async fn swagger_ui() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(PAGE)
}

/// `/docs/` answers 307 to `/docs`, as Starlette does for a path registered without slash.
#[public]
#[get("/docs/")]
pub(crate) async fn swagger_ui_slash(req: HttpRequest) -> HttpResponse {
    crate::fallback::redirect(&req, "/docs")
}
