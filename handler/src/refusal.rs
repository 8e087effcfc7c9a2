//! Why a webhook was refused: its 4xx answer and the short reason the store counts.

use crate::auth::BadCredentials;
use crate::body_limit::{TooLarge, MAX_BODY_BYTES};
use crate::reply::{self, Reply};
use crate::webhook::Invalid;

#[derive(Debug)]
pub enum Refusal {
    Unauthorized(BadCredentials),
    TooLarge,
    /// The client broke off or the stream failed mid-body.
    Unreadable(String),
    Invalid(Invalid),
    WrongMethod {
        method: String,
        allow: &'static str,
    },
}

impl Refusal {
    /// The machine reason passed to `store::record-rejection`.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Unauthorized(_) => "unauthorized",
            Refusal::TooLarge => "too_large",
            Refusal::Unreadable(_) => "bad_body",
            Refusal::Invalid(invalid) => invalid.reason(),
            Refusal::WrongMethod { .. } => "method",
        }
    }

    pub fn reply(&self) -> Reply {
        match self {
            Refusal::Unauthorized(refused) => Reply::text(401, &format!("unauthorized: {refused}"))
                .header("www-authenticate", r#"Bearer realm="alertgraph""#),
            Refusal::TooLarge => Reply::text(
                413,
                &format!("request body over the {MAX_BODY_BYTES}-byte limit"),
            ),
            Refusal::Unreadable(why) => {
                Reply::text(400, &format!("could not read the request body: {why}"))
            }
            Refusal::Invalid(invalid) => Reply::text(400, &invalid.to_string()),
            Refusal::WrongMethod { method, allow } => {
                reply::wrong_method(method, "/api/alerts", allow)
            }
        }
    }
}

impl From<BadCredentials> for Refusal {
    fn from(refused: BadCredentials) -> Self {
        Refusal::Unauthorized(refused)
    }
}

impl From<TooLarge> for Refusal {
    fn from(_: TooLarge) -> Self {
        Refusal::TooLarge
    }
}

impl From<Invalid> for Refusal {
    fn from(invalid: Invalid) -> Self {
        Refusal::Invalid(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::Refusal;
    use crate::auth::BadCredentials;
    use crate::webhook::Invalid;

    #[test]
    fn each_refusal_has_its_status_and_reason() {
        let cases = [
            (
                Refusal::Unauthorized(BadCredentials::Missing),
                401,
                "unauthorized",
            ),
            (Refusal::TooLarge, 413, "too_large"),
            (Refusal::Unreadable("reset".into()), 400, "bad_body"),
            (Refusal::Invalid(Invalid::Json("x".into())), 400, "bad_json"),
            (
                Refusal::Invalid(Invalid::Version("5".into())),
                400,
                "bad_version",
            ),
            (
                Refusal::Invalid(Invalid::Alert("x".into())),
                400,
                "bad_alert",
            ),
            (
                Refusal::WrongMethod {
                    method: "GET".into(),
                    allow: "POST",
                },
                405,
                "method",
            ),
        ];
        for (refusal, status, reason) in cases {
            let reply = refusal.reply();
            assert_eq!((reply.status, refusal.reason()), (status, reason));
            assert!(reply.body.ends_with(b"\n"));
            assert_eq!(reply.body.iter().filter(|&&b| b == b'\n').count(), 1);
        }
    }

    #[test]
    fn unauthorized_challenges_for_bearer() {
        let reply = Refusal::Unauthorized(BadCredentials::WrongToken).reply();
        assert!(reply.headers.contains(&(
            "www-authenticate",
            r#"Bearer realm="alertgraph""#.to_owned()
        )));
        assert_eq!(reply.body, b"unauthorized: wrong token\n");
    }

    #[test]
    fn too_large_names_the_limit() {
        assert_eq!(
            Refusal::TooLarge.reply().body,
            b"request body over the 1048576-byte limit\n"
        );
    }
}
