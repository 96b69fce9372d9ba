//! The FastAPI OAuth2-scopes tutorial on actix-web (being built: issue 4).

fn main() {}
