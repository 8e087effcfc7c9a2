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
    fn each_header_gets_its_answer() {
        use BadCredentials::{MalformedBasic, UnknownScheme, WrongToken};
        let cases: [(&[u8], _); 18] = [
            // Bearer: the token exactly, the scheme's case and outer spaces aside.
            (b"Bearer s3cret", Ok(())),
            (b"bearer  s3cret ", Ok(())),
            (b"Bearer s3cret2", Err(WrongToken)),
            (b"Bearer s3cre", Err(WrongToken)),
            (b"Bearer S3CRET", Err(WrongToken)),
            (b"Bearer ", Err(WrongToken)),
            (b"Bearer", Err(UnknownScheme)),
            (b"s3cret", Err(UnknownScheme)),
            (b"Token s3cret", Err(UnknownScheme)),
            // Basic takes the password as the token: base64("alertmanager:s3cret"),
            // base64(":s3cret"), base64("u:s3cret:x"), base64("alertmanager:wrong").
            (b"Basic YWxlcnRtYW5hZ2VyOnMzY3JldA==", Ok(())),
            (b"basic OnMzY3JldA==", Ok(())),
            (b"Basic dTpzM2NyZXQ6eA==", Err(WrongToken)),
            (b"Basic YWxlcnRtYW5hZ2VyOndyb25n", Err(WrongToken)),
            // Malformed Basic: not base64, "alertmanager" (no colon), padding missing or wrong.
            (b"Basic !!!!", Err(MalformedBasic)),
            (b"Basic YWxlcnRtYW5hZ2Vy", Err(MalformedBasic)),
            (b"Basic YWxlcnRtYW5hZ2VyOnMzY3JldA", Err(MalformedBasic)),
            (b"Basic YQ===", Err(MalformedBasic)),
            (b"Basic YQ==YQ==", Err(MalformedBasic)),
        ];
        for (header, expected) in cases {
            let shown = String::from_utf8_lossy(header);
            assert_eq!(check(TOKEN, Some(header)), expected, "{shown}");
        }
        assert_eq!(check(TOKEN, None), Err(BadCredentials::Missing));
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
