//! The users of the demo, in memory, as in the tutorial (`fake_users_db`), plus what each
//! user may be granted.

use serde::Serialize;

/// A user as the API shows it (the tutorial's `User`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The login name.
    pub username: String,
    /// The e-mail address.
    pub email: Option<String>,
    /// The full name.
    pub full_name: Option<String>,
    /// Whether the account is disabled.
    pub disabled: Option<bool>,
}

/// A stored user (the tutorial's `UserInDB`), with the scopes it may be granted.
#[derive(Debug, Clone)]
pub struct UserInDb {
    /// What the API shows.
    pub user: User,
    /// The bcrypt hash of the password.
    pub hashed_password: &'static str,
    /// The scopes `/token` may grant this user.
    pub grantable: &'static [&'static str],
}

/// The in-memory user store.
#[derive(Debug, Clone)]
pub struct UserDb {
    users: Vec<UserInDb>,
}

impl UserDb {
    /// The tutorial's two users (both may be granted `me` and `items`, so the tutorial's
    /// behaviour is unchanged) and `bob`, who may only be granted `me`.
    pub fn tutorial() -> Self {
        let user = |username: &str, full_name: &str, email: &str, disabled: bool| User {
            username: username.to_owned(),
            email: Some(email.to_owned()),
            full_name: Some(full_name.to_owned()),
            disabled: Some(disabled),
        };
        Self {
            users: vec![
                UserInDb {
                    user: user("johndoe", "John Doe", "johndoe@example.com", false),
                    hashed_password: "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
                    grantable: &["me", "items"],
                },
                UserInDb {
                    user: user("alice", "Alice Chains", "alicechains@example.com", true),
                    hashed_password: "$2b$12$gSvqqUPvlXP2tfVFaWK1Be7DlH.PKZbv5H8KnzzVgXXbVxpva.pFm",
                    grantable: &["me", "items"],
                },
                UserInDb {
                    user: user("bob", "Bob Only-Me", "bob@example.com", false),
                    // bcrypt (cost 12) of "secretbob".
                    hashed_password: "$2b$12$hYBhtuUeoML1F57Kx2j.Y.tKrnDIxioWpRzFrGz9qmtHh2XYFklv6",
                    grantable: &["me"],
                },
            ],
        }
    }

    /// The user named `username`.
    pub fn get(&self, username: &str) -> Option<&UserInDb> {
        self.users.iter().find(|u| u.user.username == username)
    }
}
