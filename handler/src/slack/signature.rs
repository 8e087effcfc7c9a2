//! Slack's request signing (v0): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed
//! with the app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<body>`.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// A request signed longer ago (or further ahead) than this is refused, so a captured
/// request cannot be replayed later; replays inside the window are the store's to refuse.
pub const WINDOW_S: i64 = 5 * 60;

/// Why a request is not taken as Slack's; shown to the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum BadSignature {
    MissingTimestamp,
    MissingSignature,
    MalformedTimestamp,
    /// Outside [`WINDOW_S`] of our clock.
    Stale,
    WrongSignature,
}

impl BadSignature {
    /// The reason as counted in `/metrics`.
    pub fn reason(&self) -> &'static str {
        match self {
            BadSignature::MissingTimestamp | BadSignature::MissingSignature => "unsigned",
            BadSignature::MalformedTimestamp => "bad_timestamp",
            BadSignature::Stale => "stale",
            BadSignature::WrongSignature => "bad_signature",
        }
    }
}

impl fmt::Display for BadSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadSignature::MissingTimestamp => "missing X-Slack-Request-Timestamp header",
            BadSignature::MissingSignature => "missing X-Slack-Signature header",
            BadSignature::MalformedTimestamp => "X-Slack-Request-Timestamp is not a Unix time",
            BadSignature::Stale => "request timestamp is more than 5 minutes away from now",
            BadSignature::WrongSignature => "signature does not match",
        })
    }
}

/// Checks a request's signature against the signing secret at `now_s` (Unix seconds).
pub fn verify(
    secret: &str,
    timestamp: Option<&[u8]>,
    signature: Option<&[u8]>,
    body: &[u8],
    now_s: i64,
) -> Result<(), BadSignature> {
    let timestamp = timestamp.ok_or(BadSignature::MissingTimestamp)?;
    let signature = signature.ok_or(BadSignature::MissingSignature)?;
    let at: i64 = std::str::from_utf8(timestamp)
        .ok()
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse().ok())
        .ok_or(BadSignature::MalformedTimestamp)?;
    if (now_s - at).abs() > WINDOW_S {
        return Err(BadSignature::Stale);
    }
    let expected = sign(secret, timestamp, body);
    // Constant time in the contents; the length of a v0 signature is public.
    if bool::from(expected.as_bytes().ct_eq(signature.trim_ascii())) {
        Ok(())
    } else {
        Err(BadSignature::WrongSignature)
    }
}

/// `v0=<hex HMAC-SHA256(secret, "v0:<timestamp>:<body>")>`.
pub fn sign(secret: &str, timestamp: &[u8], body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"v0:");
    mac.update(timestamp);
    mac.update(b":");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + digest.len() * 2);
    out.push_str("v0=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{sign, verify, BadSignature};

    // Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &[u8] = b"1531420618";
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &[u8] = b"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const NOW: i64 = 1_531_420_618;

    #[test]
    fn slacks_example_verifies() {
        assert_eq!(sign(SECRET, TIMESTAMP, BODY).as_bytes(), SIGNATURE);
        assert_eq!(
            verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), BODY, NOW),
            Ok(())
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let mut body = BODY.to_vec();
        body[10] ^= 1;
        assert_eq!(
            verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), &body, NOW),
            Err(BadSignature::WrongSignature)
        );
        assert_eq!(
            verify(
                "another secret",
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY,
                NOW
            ),
            Err(BadSignature::WrongSignature)
        );
        // The same body signed at another time does not carry over.
        assert_eq!(
            verify(SECRET, Some(b"1531420619"), Some(SIGNATURE), BODY, NOW),
            Err(BadSignature::WrongSignature)
        );
        let upper = String::from_utf8(SIGNATURE.to_vec())
            .unwrap()
            .to_uppercase();
        for bad in [
            &b"v0="[..],
            b"",
            b"v1=a2114d57",
            upper.as_bytes(),
            &SIGNATURE[..40],
        ] {
            assert_eq!(
                verify(SECRET, Some(TIMESTAMP), Some(bad), BODY, NOW),
                Err(BadSignature::WrongSignature)
            );
        }
    }

    #[test]
    fn the_timestamp_must_be_within_five_minutes() {
        let signed_at = |now| verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), BODY, now);
        assert_eq!(signed_at(NOW + 300), Ok(()));
        assert_eq!(signed_at(NOW - 300), Ok(()));
        assert_eq!(signed_at(NOW + 301), Err(BadSignature::Stale));
        assert_eq!(signed_at(NOW - 301), Err(BadSignature::Stale));
    }

    #[test]
    fn missing_or_malformed_headers() {
        assert_eq!(
            verify(SECRET, None, Some(SIGNATURE), BODY, NOW),
            Err(BadSignature::MissingTimestamp)
        );
        assert_eq!(
            verify(SECRET, Some(TIMESTAMP), None, BODY, NOW),
            Err(BadSignature::MissingSignature)
        );
        for bad in [
            &b""[..],
            b"-5",
            b"15314206l8",
            b"1.5",
            b"99999999999999999999999",
        ] {
            assert_eq!(
                verify(SECRET, Some(bad), Some(SIGNATURE), BODY, NOW),
                Err(BadSignature::MalformedTimestamp)
            );
        }
    }
}
