//! Webhook authentication: `Authorization: Bearer <token>` or `Basic base64(user:token)`,
//! as Alertmanager's `http_config.authorization` / `basic_auth` send them.

use std::fmt;

use subtle::ConstantTimeEq;

/// Why a request was refused; shown to the caller, never containing what it sent.
#[derive(Debug, PartialEq, Eq)]
pub enum BadCredentials {
    Missing,
    UnknownScheme,
    MalformedBasic,
    WrongToken,
}

impl fmt::Display for BadCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadCredentials::Missing => "missing Authorization header (expected Bearer or Basic)",
            BadCredentials::UnknownScheme => {
                "unsupported Authorization scheme (expected Bearer or Basic)"
            }
            BadCredentials::MalformedBasic => "malformed Basic credentials",
            BadCredentials::WrongToken => "wrong token",
        })
    }
}

/// Checks the `Authorization` header against the configured token; no token means open.
pub fn check(token: Option<&str>, authorization: Option<&[u8]>) -> Result<(), BadCredentials> {
    let Some(token) = token else {
        return Ok(());
    };
    let header = authorization.ok_or(BadCredentials::Missing)?;
    let (scheme, credentials) = split_scheme(header).ok_or(BadCredentials::UnknownScheme)?;
    let presented = if scheme.eq_ignore_ascii_case(b"bearer") {
        credentials.to_vec()
    } else if scheme.eq_ignore_ascii_case(b"basic") {
        let decoded = base64_decode(credentials).ok_or(BadCredentials::MalformedBasic)?;
        // Any user name: the password is the token.
        let colon = decoded
            .iter()
            .position(|&c| c == b':')
            .ok_or(BadCredentials::MalformedBasic)?;
        decoded[colon + 1..].to_vec()
    } else {
        return Err(BadCredentials::UnknownScheme);
    };
    // Constant time in the contents; only the length can leak, which is no secret worth keeping.
    if bool::from(presented.ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(BadCredentials::WrongToken)
    }
}

/// `"<scheme> <credentials>"`, tolerating extra spaces around the credentials.
fn split_scheme(header: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = header.iter().position(|&c| c == b' ')?;
    Some((&header[..space], header[space..].trim_ascii()))
}

/// Standard base64 with `=` padding (RFC 4648 §4), as Basic auth uses; `None` if malformed.
fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    if !input.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let quads = input.chunks_exact(4);
    let last = quads.len().saturating_sub(1);
    for (n, quad) in quads.enumerate() {
        let padding = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && n != last) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &quad[..4 - padding] {
            bits = bits << 6 | u32::from(sextet(c)?);
        }
        bits <<= 6 * padding;
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - padding]);
    }
    Some(out)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{base64_decode, check, BadCredentials};

    const TOKEN: Option<&str> = Some("s3cret");

    #[test]
    fn unset_token_leaves_the_route_open() {
        assert_eq!(check(None, None), Ok(()));
        assert_eq!(check(None, Some(b"Bearer anything")), Ok(()));
    }

    #[test]
    fn bearer() {
        assert_eq!(check(TOKEN, Some(b"Bearer s3cret")), Ok(()));
        assert_eq!(check(TOKEN, Some(b"bearer  s3cret ")), Ok(()));
        assert_eq!(
            check(TOKEN, Some(b"Bearer s3cret2")),
            Err(BadCredentials::WrongToken)
        );
        assert_eq!(
            check(TOKEN, Some(b"Bearer s3cre")),
            Err(BadCredentials::WrongToken)
        );
        assert_eq!(
            check(TOKEN, Some(b"Bearer S3CRET")),
            Err(BadCredentials::WrongToken)
        );
        assert_eq!(
            check(TOKEN, Some(b"Bearer ")),
            Err(BadCredentials::WrongToken)
        );
        assert_eq!(
            check(TOKEN, Some(b"Bearer")),
            Err(BadCredentials::UnknownScheme)
        );
        assert_eq!(
            check(TOKEN, Some(b"s3cret")),
            Err(BadCredentials::UnknownScheme)
        );
        assert_eq!(
            check(TOKEN, Some(b"Token s3cret")),
            Err(BadCredentials::UnknownScheme)
        );
    }

    #[test]
    fn missing_header() {
        assert_eq!(check(TOKEN, None), Err(BadCredentials::Missing));
    }

    #[test]
    fn basic_takes_the_password_as_token() {
        // base64("alertmanager:s3cret"), base64(":s3cret"), base64("u:s3cret:x")
        assert_eq!(
            check(TOKEN, Some(b"Basic YWxlcnRtYW5hZ2VyOnMzY3JldA==")),
            Ok(())
        );
        assert_eq!(check(TOKEN, Some(b"basic OnMzY3JldA==")), Ok(()));
        assert_eq!(
            check(TOKEN, Some(b"Basic dTpzM2NyZXQ6eA==")),
            Err(BadCredentials::WrongToken)
        );
        // base64("alertmanager:wrong")
        assert_eq!(
            check(TOKEN, Some(b"Basic YWxlcnRtYW5hZ2VyOndyb25n")),
            Err(BadCredentials::WrongToken)
        );
    }

    #[test]
    fn malformed_basic() {
        for header in [
            &b"Basic !!!!"[..],
            b"Basic YWxlcnRtYW5hZ2Vy",           // "alertmanager": no colon
            b"Basic YWxlcnRtYW5hZ2VyOnMzY3JldA", // padding missing
            b"Basic YQ===",
            b"Basic YQ==YQ==",
        ] {
            assert_eq!(
                check(TOKEN, Some(header)),
                Err(BadCredentials::MalformedBasic),
                "{}",
                String::from_utf8_lossy(header)
            );
        }
    }

    #[test]
    fn base64_round_trips_rfc4648_vectors() {
        for (encoded, plain) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(
                base64_decode(encoded.as_bytes()).as_deref(),
                Some(plain.as_bytes())
            );
        }
        assert_eq!(
            base64_decode(b"+/+/").as_deref(),
            Some(&[0xfb, 0xff, 0xbf][..])
        );
        assert_eq!(base64_decode(b"Zm9-"), None);
    }
}
