//! Swagger UI at `/docs` in a real browser: headless Chromium, driven over WebDriver by
//! `chromedriver`, authorizes as johndoe with only the `me` scope, then `GET /users/me/`
//! answers 200 and `GET /users/me/items/` 401 "Not enough permissions".
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them); without them
//! the test fails, saying so. Screenshots land in `target/artifacts/`.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Server;
use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long any one thing on the page may take to appear.
const WAIT: Duration = Duration::from_secs(20);
/// The whole browser session, so that a hung browser fails the test instead of CI.
const WHOLE: Duration = Duration::from_secs(240);

const USERS_ME: &str = "#operations-default-read_users_me_users_me__get";
const USERS_ME_ITEMS: &str = "#operations-default-read_own_items_users_me_items__get";

type Failure = Box<dyn std::error::Error>;

/// Where the screenshots go: `<workspace>/target/artifacts`.
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts");
    std::fs::create_dir_all(&dir).expect("create target/artifacts");
    dir.canonicalize().expect("target/artifacts")
}

/// `name` on `PATH`, if it is there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// A free port on 127.0.0.1 (bound and released, so another process could take it first).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A bare HTTP/1.1 exchange with chromedriver (which keeps the connection open, so the body
/// is read by its length): the status code and body.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = stream.read(&mut chunk)?;
        raw.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok());
            if read == 0 || length.is_some_and(|length: usize| body.len() >= length) {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|code| code.parse().ok())
                    .unwrap_or(0);
                return Ok((status, body.to_owned()));
            }
        }
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// A running chromedriver (in a process group of its own, with the browsers it starts) and
/// the browser profile it uses. On drop, even after a panic: the WebDriver session is
/// deleted if still open, the whole group is killed and the profile removed.
struct Chromedriver {
    child: Child,
    port: u16,
    profile: PathBuf,
    log: PathBuf,
    session: Option<String>,
}

impl Chromedriver {
    /// Starts chromedriver on a free port and waits until it reports ready.
    fn start() -> Self {
        let chromedriver = on_path("chromedriver");
        assert!(
            Path::new(CHROMIUM).is_file() && chromedriver.is_some(),
            "this test drives Swagger UI in headless Chromium and needs {CHROMIUM} and \
             chromedriver on PATH (found: chromium {}, chromedriver {:?}); install them with \
             `apt-get install chromium chromium-driver` (.ci/run installs them when missing)",
            Path::new(CHROMIUM).is_file(),
            chromedriver,
        );
        let port = free_port();
        let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "docs-browser-profile-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("create the browser profile");
        let log = artifacts().join("chromedriver.log");
        let child = Command::new(chromedriver.expect("checked above"))
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Self {
            child,
            port,
            profile,
            log,
            session: None,
        };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok((200, body)) = http(port, "GET", "/status")
                && body.contains("\"ready\":true")
            {
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited ({status}); see {}",
                    driver.log.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not get ready on port {port} within {WAIT:?}; see {}",
                driver.log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The new-session capabilities: headless Chromium with a fresh profile.
    fn capabilities(&self) -> Capabilities {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", self.profile.display()),
            "--window-size=1280,1600".to_owned(),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        });
        match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    async fn connect(&mut self) -> Client {
        let url = format!("http://127.0.0.1:{}", self.port);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(self.capabilities())
            .connect(&url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no WebDriver session from chromedriver at {url}: {e}; see {}",
                    self.log.display()
                )
            });
        self.session = client.session_id().await.expect("session id");
        client
    }

    /// Ends the session normally.
    async fn close(&mut self, client: Client) {
        if let Err(e) = client.close().await {
            eprintln!("closing the WebDriver session: {e}");
        } else {
            self.session = None;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = http(self.port, "DELETE", &format!("/session/{session}"));
        }
        // The group: chromedriver and whatever browser processes outlived the session.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Polls `find` until it yields something or `WAIT` runs out; `what` names it in the error.
async fn until<T, F, Fut>(what: &str, mut find: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, fantoccini::error::CmdError>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(found) = find().await? {
            return Ok(found);
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {WAIT:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the element at `css` to be present, then returns it.
async fn element(client: &Client, css: &str) -> Result<Element, Failure> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for `{css}`: {e}").into())
}

/// Waits for the element at `css` to be present and displayed, then clicks it.
async fn click(client: &Client, css: &str) -> Result<(), Failure> {
    let found = element(client, css).await?;
    until(&format!("`{css}` to be displayed"), || {
        let found = found.clone();
        async move { Ok(found.is_displayed().await?.then_some(())) }
    })
    .await?;
    found
        .click()
        .await
        .map_err(|e| format!("clicking `{css}`: {e}").into())
}

async fn screenshot(client: &Client, name: &str) -> Result<PathBuf, Failure> {
    let path = artifacts().join(name);
    std::fs::write(&path, client.screenshot().await?)?;
    println!("screenshot: {}", path.display());
    Ok(path)
}

/// Opens the Authorize dialog and logs in as johndoe with only the `me` scope.
async fn authorize(client: &Client) -> Result<(), Failure> {
    click(client, ".auth-wrapper button.authorize").await?;
    let username = element(client, ".modal-ux #oauth_username").await?;
    username.send_keys("johndoe").await?;
    element(client, ".modal-ux #oauth_password")
        .await?
        .send_keys("secret")
        .await?;
    // The checkboxes are styled away; their labels take the clicks.
    let me = element(client, ".modal-ux .scopes input[data-value='me']").await?;
    let items = element(client, ".modal-ux .scopes input[data-value='items']").await?;
    for (checkbox, want) in [(&me, true), (&items, false)] {
        if checkbox.is_selected().await? != want {
            let id = checkbox.attr("id").await?.ok_or("a scope checkbox's id")?;
            click(client, &format!(".modal-ux label[for='{id}']")).await?;
        }
    }
    if !me.is_selected().await? || items.is_selected().await? {
        return Err("could not tick only the `me` scope".into());
    }
    click(client, ".modal-ux .auth-btn-wrapper button.authorize").await?;
    // Authorized: the form gives way to a Logout button, or an error shows up.
    let outcome = until("the Authorize dialog to show the outcome", || async {
        if let Ok(errors) = client.find(Locator::Css(".modal-ux .errors")).await {
            return Ok(Some(Err(errors.text().await?)));
        }
        for button in client
            .find_all(Locator::Css(".modal-ux .auth-btn-wrapper button"))
            .await?
        {
            if button.text().await?.trim() == "Logout" {
                return Ok(Some(Ok(())));
            }
        }
        Ok(None)
    })
    .await?;
    if let Err(errors) = outcome {
        return Err(format!("authorizing failed: {errors}").into());
    }
    let dialog = element(client, ".modal-ux").await?.text().await?;
    for want in ["Authorized", "johndoe"] {
        if !dialog.contains(want) {
            return Err(format!("the dialog lacks {want:?}: {dialog}").into());
        }
    }
    // What Swagger UI will send: a bearer token granted for `me` alone.
    let granted = client
        .execute(
            "const auth = window.ui.authSelectors.authorized().toJS().OAuth2PasswordBearer;\
             return auth ? {scopes: auth.scopes, token_type: auth.token && auth.token.token_type} : null;",
            vec![],
        )
        .await?;
    if granted != json!({"scopes": ["me"], "token_type": "bearer"}) {
        return Err(format!("Swagger UI holds {granted}, not a bearer token for `me`").into());
    }
    screenshot(client, "docs-browser-authorized.png").await?;
    click(client, ".modal-ux .auth-btn-wrapper button.btn-done").await?;
    until("the Authorize dialog to close", || async {
        Ok(client
            .find_all(Locator::Css(".modal-ux"))
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    element(client, ".auth-wrapper button.authorize.locked").await?;
    Ok(())
}

/// Expands the operation at `op`, tries it out and returns the live response's status and
/// body.
async fn execute(client: &Client, op: &str) -> Result<(u16, String), Failure> {
    let summary = element(client, &format!("{op} .opblock-summary")).await?;
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'start'});",
            vec![serde_json::to_value(&summary)?],
        )
        .await?;
    click(client, &format!("{op} .opblock-summary-control")).await?;
    click(client, &format!("{op} button.try-out__btn")).await?;
    click(client, &format!("{op} button.execute")).await?;
    let status = element(
        client,
        &format!("{op} .live-responses-table .response .response-col_status"),
    )
    .await?
    .text()
    .await?;
    let body = element(
        client,
        &format!("{op} .live-responses-table .response .response-col_description .microlight"),
    )
    .await?
    .text()
    .await?;
    // "401" and, for a status the document does not list, "Undocumented" below it.
    let status = status
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .parse()
        .map_err(|e| format!("status cell {status:?}: {e}"))?;
    Ok((status, body))
}

async fn drive(client: &Client, addr: SocketAddr) -> Result<(), Failure> {
    client.goto(&format!("http://{addr}/docs")).await?;
    element(client, ".swagger-ui .information-container .title").await?;
    let url = client.current_url().await?;
    // At `/docs`, as FastAPI serves it, the scheme's relative `tokenUrl` means `/token`.
    if url.path() != "/docs" {
        return Err(format!("the docs should stay at /docs, the browser is at {url}").into());
    }

    authorize(client).await?;

    let (status, body) = execute(client, USERS_ME).await?;
    if status != 200 || !body.contains("johndoe") {
        return Err(format!("GET /users/me/ answered {status}: {body}").into());
    }
    let (status, body) = execute(client, USERS_ME_ITEMS).await?;
    if status != 401 || !body.contains("Not enough permissions") {
        return Err(format!("GET /users/me/items/ answered {status}: {body}").into());
    }
    // The whole page, top (the closed lock of the Authorize button) to both responses.
    let height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await?
        .as_u64()
        .unwrap_or(1600);
    let height = u32::try_from(height).unwrap_or(u32::MAX).clamp(1600, 8000);
    client.set_window_size(1280, height + 200).await?;
    client.execute("window.scrollTo(0, 0);", vec![]).await?;
    screenshot(client, "docs-browser.png").await?;
    Ok(())
}

#[tokio::test]
async fn swagger_ui_authorizes_with_only_me_and_tries_both_endpoints() {
    // No picture from an earlier run passes for this one's.
    for name in [
        "docs-browser.png",
        "docs-browser-authorized.png",
        "docs-browser-failure.png",
        "docs-browser-failure.html",
    ] {
        let _ = std::fs::remove_file(artifacts().join(name));
    }
    let mut driver = Chromedriver::start();
    let server = Server::start(&[]);
    let client = driver.connect().await;
    let outcome = match tokio::time::timeout(WHOLE, drive(&client, server.addr)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("the browser session took over {WHOLE:?}").into()),
    };
    let failure = match outcome {
        Ok(()) => None,
        // What the page looked like and asked of the server, for the CI artifacts and log.
        Err(failure) => {
            let _ = screenshot(&client, "docs-browser-failure.png").await;
            if let Ok(source) = client.source().await {
                let path = artifacts().join("docs-browser-failure.html");
                if std::fs::write(&path, source).is_ok() {
                    println!("page source: {}", path.display());
                }
            }
            let requests = "return performance.getEntriesByType('resource')\
                .map(e => e.initiatorType + ' ' + e.name + ' ' + e.responseStatus);";
            let requests = match client.execute(requests, vec![]).await {
                Ok(requests) => format!("{requests:#}"),
                Err(e) => format!("unknown ({e})"),
            };
            Some(format!("{failure}\nthe page's requests: {requests}"))
        }
    };
    driver.close(client).await;
    drop(driver);
    drop(server);
    if let Some(failure) = failure {
        panic!("{failure}");
    }
}
