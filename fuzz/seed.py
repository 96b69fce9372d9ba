#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/<target>/seed-*): correctly signed tokens, so that
mutations reach claim parsing, real tutorial forms, multipart bodies, scope strings, scope
expressions (source text, and programs for checks.rs's `Program`).
Standard library only; `fuzz/run.sh` grows the corpus from these and `cargo fuzz cmin`
keeps it small. Run from the repository root: `python3 fuzz/seed.py`."""
import base64, hashlib, hmac, json, os

KEY = b"fuzzing-key-0123456789abcdefghijklmnopqrstuv"  # checks.rs's KEY
FAR = 4102444800  # 2100-01-01: valid for the life of the corpus


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims, header=None, key=KEY):
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    sig = hmac.new(key, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64(sig)


def write(target, seeds):
    path = os.path.join(os.path.dirname(__file__), "corpus", target)
    os.makedirs(path, exist_ok=True)
    for i, seed in enumerate(seeds):
        with open(os.path.join(path, f"seed-{i:03}"), "wb") as f:
            f.write(seed if isinstance(seed, bytes) else seed.encode())


tokens = [
    jwt({"sub": "johndoe", "scopes": ["me", "items"], "exp": FAR}),
    jwt({"sub": "alice", "scopes": [], "exp": FAR}),
    jwt({"sub": "johndoe", "scope": "me items", "exp": FAR}),
    jwt({"sub": "johndoe", "scp": ["me", "items"], "exp": FAR}),
    jwt({"sub": "johndoe", "scp": "me items", "exp": FAR, "iat": 1700000000, "nbf": 1700000000}),
    jwt({"sub": "x", "exp": FAR, "iss": "https://issuer.example", "aud": ["api", "other"], "jti": "id-1"}),
    jwt({"sub": "x", "exp": FAR, "aud": "api", "extra": {"nested": [1, 2.5, -3e10, None, True]}}),
    jwt({"sub": "ünïcødé \u2028", "exp": FAR, "f": 0.1, "g": 1e308, "h": 123456789012345678901234567890}),
    jwt({"sub": "johndoe", "scopes": ["me"], "exp": 1000}),  # expired
    jwt({"sub": "johndoe", "exp": FAR}, {"alg": "none", "typ": "JWT"}),
    jwt({"sub": "johndoe", "exp": FAR}, {"alg": "HS512", "typ": "JWT"}),
    jwt({"sub": "johndoe", "exp": FAR}, key=b"another key of enough length 0123456789"),
    jwt({"sub": 42, "exp": FAR}),
    jwt({"sub": "johndoe", "exp": str(FAR)}),
    jwt({"sub": "johndoe", "exp": FAR + 0.5}),
    jwt({"sub": "johndoe", "scopes": "me", "exp": FAR}),
]
write("token_verify", tokens)
write("authorization_header", ["Bearer " + t for t in tokens[:4]] + [
    "bearer  abc.def.ghi ", "BEARER a==", "Bearer", "Bearer ", "Basic am9objpzZWNyZXQ=",
    "Bearer a b", "Bearer ===", "Bearer a~+/-._=", "  Bearer\tabc", "Bearerabc",
])
write("password_form_urlencoded", [
    "username=johndoe&password=secret",
    "grant_type=password&username=johndoe&password=secret&scope=me+items",
    "username=johndoe&password=secret&scope=me%20items%09%1c%1f%C2%A0x",
    "username=&username=johndoe&password=secret&password=",
    "grant_type=client_credentials&username=a&password=b",
    "username=a&password=b&scope=%22bad%22+me&client_id=app&client_secret=s",
    "username=%E2%80%A8&password=%FF%FE&scope=%5C",
    "",
])
part = lambda name, value: f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
write("password_form_multipart", [
    part("username", "johndoe") + part("password", "secret") + "--b--\r\n",
    part("grant_type", "password") + part("username", "johndoe") + part("password", "secret")
    + part("scope", "me items") + "--b--\r\n",
    part("username", "") + part("password", "x") + "--b--\r\n",
    '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n',
    "--b\r\n\r\n--b--",
    "not multipart at all",
])
write("scope_token", ["me", "items", "items:read", "a b", '"', "\\", "\x7f", "é", "", "!#[]~"])


# scope_expression: a first byte 0 and Rust source, or a first byte 1 and a program
# (checks.rs's `Program`) writing a node's list and the list of the path above it.
POOL = ["me", "items", "items:read", "items:admin", "users", "admin"]  # checks.rs's POOL
ARGS = [2, 1, 2, 3, 4, 2, 3, 0]  # checks.rs's ARGS


def scope(name):
    if name in POOL:
        return bytes([POOL.index(name) << 2])
    return bytes([60 << 2, len(name)]) + name.encode("latin-1")


def node(kind, *args):
    return bytes([kind | ARGS.index(len(args)) << 2]) + b"".join(args)


any_ = lambda *args: node(2, *args)
all_ = lambda *args: node(3, *args)
elements = lambda *elements: bytes([len(elements)]) + b"".join(elements)
program = lambda node, above=(): b"\x01" + elements(*node) + elements(*above)
source = lambda text: b"\x00" + text.encode()
pair = lambda a, b: any_(scope(a), scope(b))
write("scope_expression", [
    source('["me", any("items:read", "items:admin")]'),
    source('[any("a", all("b", any("c", "d"))), "e"]'),
    source('[all(any("a", "b"), any("c", "d"), any("e", "f"), any("g", "h"), any("i", "j"))]'),
    source('[any(), all(), "me", "me", other("x"), 1, any::<T>("a"), ::any("a")]'),
    source('any("a", "b")'),
    program([scope("me"), pair("items:read", "items:admin")], [scope("users")]),
    program([any_(scope("me"), all_(scope("items"), pair("users", "admin")))], [pair("me", "items")]),
    program([pair("me", "items"), pair("items:read", "items:admin"), pair("users", "admin"),
             pair("a", "b"), pair("c", "d")]),  # 32 alternatives: refused
    source('[all(any("a", "b", "c", "d"), any("e", "f", "g", "h"))]'),  # 16: the limit
    source('[any(all(any("a", "b", "c", "d"), any("e", "f", "g", "h")), "i")]'),  # 17
    program([pair("q", "p")], [any_(*[scope(f"a{i}") for i in range(3)], scope("p"))]),
    program([scope('"\\\0\u00e9'), any_(scope(""), scope("me"))], [any_()]),
])
