// A scope that the app's declaration does not hold is a compile error on that literal, in any
// module, in a dependency or a handler, inside an expression too; the closest declared scope
// is suggested when it looks like a typo.
use scopes_runtime::{Authorized, Security, dependency, scopes};

scopes! {
    pub NotesScopes {
        "notes:read" => "Read notes.",
        "notes:write" => "Write notes.",
        "admin" => "Administer.",
    }
}

#[dependency(dependencies = [NotesScopes])]
pub async fn current_user(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

mod handlers {
    use super::current_user;
    use scopes_runtime::{Security, dependency, secured};

    #[secured(scopes = ["notes:raed"])]
    pub async fn read_notes(user: Security<current_user>) -> String {
        user.into_inner()
    }

    #[secured(scopes = [any("notes:write", "superuser")])]
    pub async fn write_notes(user: Security<current_user>) -> String {
        user.into_inner()
    }

    #[dependency(scopes = ["admn"])]
    pub async fn administrator(user: Security<current_user>) -> String {
        user.into_inner()
    }
}

fn main() {}
