//! The FastAPI original (`../shared/spec/tutorial.py`) under uvicorn, in a venv that the
//! harness creates with pip (`target/bench-venv`, reused while its requirements match).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The original's pinned requirements (from `shared/spec/tutorial-behaviour.md`).
pub(crate) const REQUIREMENTS: &[&str] = &[
    "fastapi==0.163.2",
    "uvicorn==0.54.0",
    "python-jose[cryptography]==3.5.0",
    "passlib==1.7.4",
    "bcrypt==4.0.1",
    "python-multipart",
];

/// A ready FastAPI install.
pub(crate) struct FastApi {
    python: PathBuf,
    app_dir: PathBuf,
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ")
        ))
    }
}

/// Finds the original and Python, and prepares the venv. `Err` says why FastAPI is skipped.
pub(crate) fn prepare(root: &Path, target: &Path) -> Result<FastApi, String> {
    let app_dir = root.join("../shared/spec");
    if !app_dir.join("tutorial.py").is_file() {
        return Err(format!(
            "{} not found",
            app_dir.join("tutorial.py").display()
        ));
    }
    let app_dir = app_dir.canonicalize().map_err(|e| e.to_string())?;
    let system_python = ["python3", "python"]
        .into_iter()
        .find(|p| crate::harness::server::have(p))
        .ok_or("no python3 on PATH")?;
    let venv = target.join("bench-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".bench-requirements");
    let wanted = REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        eprintln!(
            "[fastapi] creating {} and installing the original's requirements",
            venv.display()
        );
        let _ = std::fs::remove_dir_all(&venv);
        run(
            Command::new(system_python).args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        )?;
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(REQUIREMENTS),
            "pip install",
        )?;
        std::fs::write(&marker, wanted).map_err(|e| e.to_string())?;
    }
    Ok(FastApi { python, app_dir })
}

impl FastApi {
    /// uvicorn serving the original on `port`: one process, no access log (like the Rust
    /// servers, which run with `--log-level warn`).
    pub(crate) fn command(&self, cpus: Option<&str>, port: u16) -> Command {
        let mut cmd = crate::harness::server::pinned(cpus, &self.python);
        cmd.args(["-m", "uvicorn", "tutorial:app", "--app-dir"])
            .arg(&self.app_dir)
            .args(["--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args([
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-access-log",
            ])
            .current_dir(&self.app_dir)
            .env("PYTHONDONTWRITEBYTECODE", "1");
        cmd
    }

    /// `python --version` of the venv.
    pub(crate) fn versions(&self) -> String {
        let out = Command::new(&self.python)
            .args([
                "-c",
                "import sys, fastapi, uvicorn; print(f'Python {sys.version.split()[0]}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}')",
            ])
            .output();
        match out {
            Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            Err(_) => "unknown".to_owned(),
        }
    }
}
