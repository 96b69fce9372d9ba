//! `demo-app routes`: the static graph made visible, without starting a server.

use std::fmt::Write as _;

use scopes_runtime::graph::NodeInfo;

use crate::handlers::SECURED;

/// The route table: method, path, handler, required scopes, dependency chain.
pub fn table() -> String {
    let mut rows = vec![[
        "METHOD".to_owned(),
        "PATH".to_owned(),
        "HANDLER".to_owned(),
        "SCOPES".to_owned(),
        "DEPENDENCIES".to_owned(),
    ]];
    rows.push([
        "POST".into(),
        "/token".into(),
        "login_for_access_token".into(),
        "-".into(),
        "-".into(),
    ]);
    for handler in SECURED.handlers() {
        let (info, required) = (handler.info, handler.required_scopes);
        for route in info.routes {
            rows.push([
                route.method.to_owned(),
                route.path.to_owned(),
                info.name.to_owned(),
                format!("[{}]", required.join(", ")),
                chain(info),
            ]);
        }
    }
    let widths: Vec<usize> = (0..5)
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

/// `a -> b -> c` with each node's own scopes, branches in brackets.
fn chain(info: &NodeInfo) -> String {
    fn walk(node: &NodeInfo, out: &mut String) {
        for (i, child) in node.children.iter().enumerate() {
            out.push_str(if i == 0 { " -> " } else { ", " });
            out.push_str(child.name);
            if !child.own_scopes.is_empty() {
                let _ = write!(out, "[{}]", child.own_scopes.join(" "));
            }
            walk(child, out);
        }
    }
    let mut out = info.name.to_owned();
    if !info.own_scopes.is_empty() {
        let _ = write!(out, "[{}]", info.own_scopes.join(" "));
    }
    walk(info, &mut out);
    out
}
