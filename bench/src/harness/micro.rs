//! The criterion micro benches (`benches/micro.rs`), run by `cargo bench` with short
//! warm-up and measurement times; the medians are read from criterion's
//! `target/criterion/<group>/<bench>/new/estimates.json`.

use std::path::Path;
use std::process::Command;

use crate::Ctx;

/// The groups of `benches/micro.rs`.
pub(crate) const GROUPS: &[&str] = &["bearer", "verify", "scopes", "request"];

/// One bench's median.
pub(crate) struct MicroBench {
    pub(crate) group: String,
    pub(crate) name: String,
    /// Median time per iteration, nanoseconds.
    pub(crate) median_ns: f64,
}

/// The phase's results.
pub(crate) struct MicroResults {
    pub(crate) benches: Vec<MicroBench>,
    pub(crate) command: String,
}

fn read_estimate(dir: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Runs the phase.
pub(crate) fn run(ctx: &Ctx) -> Result<MicroResults, String> {
    let criterion = ctx.target.join("criterion");
    for group in GROUPS {
        let _ = std::fs::remove_dir_all(criterion.join(group));
    }
    let (warm, measure) = if ctx.config.quick {
        ("0.5", "1")
    } else {
        ("1", "3")
    };
    let args = [
        "bench",
        "-p",
        "bench",
        "--bench",
        "micro",
        "--",
        "--warm-up-time",
        warm,
        "--measurement-time",
        measure,
    ];
    let command = format!("cargo {}", args.join(" "));
    eprintln!("[micro] {command}");
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&ctx.root)
        .args(args)
        .output()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo bench failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut benches = Vec::new();
    for group in GROUPS {
        let Ok(entries) = std::fs::read_dir(criterion.join(group)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().join("new/estimates.json").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            if let Some(median_ns) = read_estimate(&criterion.join(group).join(&name)) {
                eprintln!("[micro] {group}/{name}: {median_ns:.1} ns");
                benches.push(MicroBench {
                    group: (*group).to_owned(),
                    name,
                    median_ns,
                });
            }
        }
    }
    if benches.is_empty() {
        return Err("criterion wrote no estimates".into());
    }
    Ok(MicroResults { benches, command })
}
