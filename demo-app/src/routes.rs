//! `demo-app routes`: the security surface made visible, without starting a server: every
//! route of [`SERVICES`], secured or public, with its requirement and dependency chain.

use std::fmt::Write as _;

use scopes_runtime::services::SecuritySurface;

use crate::handlers::SERVICES;

/// How `demo-app routes` prints the surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, for a terminal.
    Table,
    /// A JSON array, one object per route.
    Json,
    /// A Markdown table.
    Md,
}

/// The app's security surface.
pub fn surface() -> SecuritySurface {
    SERVICES.surface()
}

/// The surface in `format`, ending with a newline.
pub fn render(format: Format) -> String {
    let surface = surface();
    match format {
        Format::Table => table(&surface),
        Format::Json => surface.to_json() + "\n",
        Format::Md => surface.to_markdown(),
    }
}

/// Method, path, handler, access, required scopes, dependency chain, in aligned columns.
fn table(surface: &SecuritySurface) -> String {
    let mut rows = vec![
        [
            "METHOD",
            "PATH",
            "HANDLER",
            "ACCESS",
            "SCOPES",
            "DEPENDENCIES",
        ]
        .map(str::to_owned),
    ];
    for route in surface.routes() {
        let scopes = match route.public {
            true => "-".to_owned(),
            false => route
                .requirement
                .iter()
                .map(|scopes| format!("[{}]", scopes.join(", ")))
                .collect::<Vec<_>>()
                .join(" or "),
        };
        let chain = match route.chain.is_empty() {
            true => "-".to_owned(),
            false => route.chain.clone(),
        };
        let access = if route.public { "public" } else { "secured" };
        rows.push([
            route.method.to_owned(),
            route.path.to_owned(),
            route.handler.to_owned(),
            access.to_owned(),
            scopes,
            chain,
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}
