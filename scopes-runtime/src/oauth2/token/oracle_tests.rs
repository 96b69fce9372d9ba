//! [`TokenConfig::verify`] against `jsonwebtoken::decode`, the verifier it replaced: for
//! generated tokens (headers and claims of every shape, signed right, signed wrong or
//! tampered with, under each configuration), the same claims or the same refusal.

use core::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use proptest::prelude::*;

use super::claims::{Payload, now};
use super::{Claims, JwtKeys, ScopeClaim, TokenConfig, TokenError, TokenErrorKind};

const SECRET: &[u8] = b"an oracle's secret, at least 32 bytes long";
const ED_PRIVATE: &[u8] = b"-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKscfjIkrMMkTQhYJaw1Zi/YNTPLF/s/r8cR8YVJFT20
-----END PRIVATE KEY-----
";
const ED_PUBLIC: &[u8] = b"-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAA2Kp5/BSJ7WvuMYkFFtQ9Eu5tj4/1exz3UwkiTB1cOg=
-----END PUBLIC KEY-----
";

/// The settings a configuration is made of.
#[derive(Debug, Clone)]
struct Settings {
    algorithm: Algorithm,
    leeway: u64,
    issuer: Option<&'static str>,
    audience: Vec<&'static str>,
}

impl Settings {
    fn keys(&self) -> JwtKeys {
        match self.algorithm {
            Algorithm::EdDSA => JwtKeys::from_pem(Algorithm::EdDSA, Some(ED_PRIVATE), ED_PUBLIC),
            algorithm => JwtKeys::hmac(algorithm, SECRET),
        }
        .expect("test keys")
    }

    fn config(&self) -> TokenConfig {
        let mut config = TokenConfig::new(self.keys()).leeway(Duration::from_secs(self.leeway));
        if let Some(issuer) = self.issuer {
            config = config.issuer(issuer);
        }
        if !self.audience.is_empty() {
            config = config.audience(self.audience.clone());
        }
        config
    }

    /// What verifying was before: `jsonwebtoken::decode` under the rules
    /// `TokenConfig` gave it, then the claims read.
    fn oracle(&self, token: &str) -> Result<Claims, TokenErrorKind> {
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = self.leeway;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        let mut required = vec!["exp"];
        if let Some(issuer) = self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        if !self.audience.is_empty() {
            validation.set_audience(&self.audience);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        let key = match self.algorithm {
            Algorithm::EdDSA => DecodingKey::from_ed_pem(ED_PUBLIC).expect("test key"),
            _ => DecodingKey::from_secret(SECRET).expect("test key"),
        };
        let data = jsonwebtoken::decode::<Payload>(token, &key, &validation)
            .map_err(|e| TokenError::from_jwt(e).kind)?;
        Claims::from_payload(data.claims, ScopeClaim::Auto, None).map_err(|e| e.kind)
    }

    fn sign(&self, message: &str, right_key: bool) -> String {
        let key = match (self.algorithm, right_key) {
            (Algorithm::EdDSA, true) => EncodingKey::from_ed_pem(ED_PRIVATE).expect("test key"),
            (Algorithm::EdDSA, false) => {
                return URL_SAFE_NO_PAD.encode([7u8; 64]);
            }
            (_, true) => EncodingKey::from_secret(SECRET).expect("test key"),
            (_, false) => EncodingKey::from_secret(b"another secret, also 32 bytes or more")
                .expect("test key"),
        };
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, self.algorithm).expect("signs")
    }
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop::sample::select(vec![
            Algorithm::HS256,
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::EdDSA,
        ]),
        prop::sample::select(vec![0u64, 30]),
        prop::option::of(Just("https://issuer.example")),
        prop::sample::select(vec![vec![], vec!["api"], vec!["api", "web"]]),
    )
        .prop_map(|(algorithm, leeway, issuer, audience)| Settings {
            algorithm,
            leeway,
            issuer,
            audience,
        })
}

/// A member `"name": value` of a JSON object, from `values` (JSON texts, `""` for no
/// member): the first, the usual one, three times in four, so that many tokens are valid
/// but for one or two claims.
fn member(name: &'static str, values: Vec<String>) -> impl Strategy<Value = Option<String>> {
    let usual = values[0].clone();
    let mut others = values[1..].to_vec();
    others.push(String::new());
    prop_oneof![3 => Just(usual), 1 => prop::sample::select(others)]
        .prop_map(move |v| (!v.is_empty()).then(|| format!("\"{name}\":{v}")))
}

/// Times far from the leeways' edges, so that a second passing between the two verdicts
/// cannot change one.
fn dates(now: u64) -> Vec<String> {
    let mut dates: Vec<String> = [now + 1000, now - 1000, now - 10, now + 10, 0, u64::MAX]
        .iter()
        .map(u64::to_string)
        .collect();
    dates.extend([
        format!("{}.4", now + 1000),
        format!("{}.6", now - 1000),
        "-5".into(),
        "1e30".into(),
        "null".into(),
        "\"123\"".into(),
        "true".into(),
    ]);
    dates
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// A payload: registered claims of every shape, scopes, an extra claim, maybe a repeat.
fn payload() -> impl Strategy<Value = String> {
    let now = now();
    (
        member("exp", dates(now)),
        member("nbf", [vec![String::new()], dates(now)].concat()),
        member(
            "sub",
            strings(&[r#""alice""#, "5", "null", r#""al\u0069ce""#]),
        ),
        member(
            "iss",
            strings(&[
                r#""https://issuer.example""#,
                r#""https://other.example""#,
                r#"["https://issuer.example","x"]"#,
                r#"["x"]"#,
                "[]",
                "5",
                "null",
                "[1]",
            ]),
        ),
        member(
            "aud",
            strings(&[
                r#""api""#,
                r#""other""#,
                r#"["api"]"#,
                r#"["x","web"]"#,
                "[]",
                "5",
                "null",
                r#"[1,"api"]"#,
            ]),
        ),
        member(
            "scopes",
            strings(&[r#"["me","items"]"#, r#""me""#, "[1]", r#"["bad scope"]"#]),
        ),
        member("scope", strings(&["", r#""me items""#])),
        member("iat", strings(&["1", "\"x\""])),
        member("name", strings(&["", r#""x""#])),
        prop::option::of(0usize..9),
    )
        .prop_map(
            |(exp, nbf, sub, iss, aud, scopes, scope, iat, name, repeat)| {
                let mut members: Vec<String> = [exp, nbf, sub, iss, aud, scopes, scope, iat, name]
                    .into_iter()
                    .flatten()
                    .collect();
                if let Some(i) = repeat.filter(|_| !members.is_empty()) {
                    let again = members[i % members.len()].clone();
                    members.push(again);
                }
                format!("{{{}}}", members.join(","))
            },
        )
}

/// A header: `alg` (the right one mostly), and `typ`, `kid`, `crit`, `b64` of every shape.
fn header() -> impl Strategy<Value = String> {
    (
        prop::sample::select(strings(&[
            r#""RIGHT""#,
            r#""RIGHT""#,
            r#""RIGHT""#,
            r#""HS256""#,
            r#""RS256""#,
            r#""none""#,
            r#""hs256""#,
            "5",
        ])),
        member("typ", strings(&[r#""JWT""#, "5", "null"])),
        member("kid", strings(&["", r#""k1""#, "1"])),
        member(
            "crit",
            strings(&["", "[]", r#"["b64"]"#, r#"["b64","b64"]"#, r#"["x"]"#]),
        ),
        member("b64", strings(&["", "true", "false", "null", r#""true""#])),
        member("x-extra", strings(&["", "{}"])),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(alg, typ, kid, crit, b64, extra, no_alg)| {
            let alg = (!no_alg).then(|| format!("\"alg\":{alg}"));
            let members: Vec<String> = [alg, typ, kid, crit, b64, extra]
                .into_iter()
                .flatten()
                .collect();
            format!("{{{}}}", members.join(","))
        })
}

/// How a token is spoiled, if it is.
#[derive(Debug, Clone, Copy)]
enum Spoil {
    None,
    WrongKey,
    FlippedSignature,
    PaddedPayload,
    ExtraDot,
    NoDot,
    GarbageSignature,
    LongSignature,
    NotBase64Header,
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop::sample::select(vec![
        Spoil::None,
        Spoil::None,
        Spoil::None,
        Spoil::None,
        Spoil::WrongKey,
        Spoil::FlippedSignature,
        Spoil::PaddedPayload,
        Spoil::ExtraDot,
        Spoil::NoDot,
        Spoil::GarbageSignature,
        Spoil::LongSignature,
        Spoil::NotBase64Header,
    ])
}

fn token(settings: &Settings, header: &str, payload: &str, spoil: Spoil) -> String {
    let alg = format!("\"{:?}\"", settings.algorithm);
    let header = URL_SAFE_NO_PAD.encode(header.replace(r#""RIGHT""#, &alg));
    let header = match spoil {
        Spoil::NotBase64Header => format!("{header}*"),
        _ => header,
    };
    let mut payload = URL_SAFE_NO_PAD.encode(payload);
    if let Spoil::PaddedPayload = spoil {
        payload.push('=');
    }
    let message = format!("{header}.{payload}");
    let signature = settings.sign(&message, !matches!(spoil, Spoil::WrongKey));
    match spoil {
        Spoil::FlippedSignature => {
            let mut signature = signature.into_bytes();
            signature[3] = if signature[3] == b'A' { b'B' } else { b'A' };
            format!("{message}.{}", String::from_utf8(signature).expect("ASCII"))
        }
        Spoil::ExtraDot => format!("x.{message}.{signature}"),
        Spoil::NoDot => format!("{message}{signature}"),
        Spoil::GarbageSignature => format!("{message}.!!{signature}"),
        Spoil::LongSignature => format!("{message}.{signature}{}", "A".repeat(2000)),
        _ => format!("{message}.{signature}"),
    }
}

/// The same verdict, for the same reason. `jsonwebtoken` checks the required claims in a
/// hash set's order, so with several missing it may name any of them.
fn same(ours: Result<Claims, TokenErrorKind>, theirs: Result<Claims, TokenErrorKind>) -> bool {
    match (&ours, &theirs) {
        (Err(TokenErrorKind::MissingClaim(_)), Err(TokenErrorKind::MissingClaim(_))) => true,
        _ => ours == theirs,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn verify_decides_as_jsonwebtoken_does(
        settings in settings(),
        header in header(),
        payload in payload(),
        spoil in spoil(),
    ) {
        let token = token(&settings, &header, &payload, spoil);
        let ours = settings.config().verify(&token).map_err(|e| e.kind);
        let theirs = settings.oracle(&token);
        prop_assert!(
            same(ours.clone(), theirs.clone()),
            "header {header}, payload {payload}, {spoil:?}: ours {ours:?}, jsonwebtoken {theirs:?}"
        );
    }
}

#[test]
fn the_generated_tokens_reach_every_verdict() {
    // The property above means little unless the cases reach acceptance and each refusal.
    let settings = Settings {
        algorithm: Algorithm::HS256,
        leeway: 0,
        issuer: Some("https://issuer.example"),
        audience: vec!["api"],
    };
    let now = now();
    let good = format!(
        r#"{{"sub":"alice","exp":{},"iss":"https://issuer.example","aud":"api","scopes":["me"]}}"#,
        now + 100
    );
    let header = r#"{"alg":"RIGHT","typ":"JWT"}"#;
    let config = settings.config();
    let verdict = |payload: &str, spoil| {
        config
            .verify(&token(&settings, header, payload, spoil))
            .map(|c| c.sub)
            .map_err(|e| e.kind)
    };
    assert_eq!(verdict(&good, Spoil::None), Ok("alice".to_owned()));
    assert_eq!(
        verdict(&good, Spoil::WrongKey),
        Err(TokenErrorKind::InvalidSignature)
    );
    assert_eq!(
        verdict(&good, Spoil::ExtraDot),
        Err(TokenErrorKind::Malformed)
    );
    let expired = good.replace(&(now + 100).to_string(), &(now - 100).to_string());
    assert_eq!(verdict(&expired, Spoil::None), Err(TokenErrorKind::Expired));
    let foreign = good.replace(r#""aud":"api""#, r#""aud":"web""#);
    assert_eq!(
        verdict(&foreign, Spoil::None),
        Err(TokenErrorKind::InvalidAudience)
    );
    let repeated = good.replace(r#""sub":"alice","#, r#""sub":"alice","sub":"bob","#);
    assert_eq!(
        verdict(&repeated, Spoil::None),
        Err(TokenErrorKind::Malformed)
    );
}
