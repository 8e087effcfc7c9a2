//! Percent-encoding for URL query values and form bodies.

/// Encodes everything but RFC 3986's unreserved characters (so a space is `%20`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            _ => push_escaped(&mut out, b),
        }
    }
    out
}

/// Appends `b` as `%XX`.
pub fn push_escaped(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xF)]));
}

/// The value of `name` in an `application/x-www-form-urlencoded` body (`+` is a space);
/// `None` when absent or not UTF-8 once decoded.
pub fn form_value(body: &[u8], name: &str) -> Option<String> {
    form_pairs(body)
        .into_iter()
        .find(|(key, _)| key.as_deref() == Some(name))
        .and_then(|(_, value)| value)
}

/// Every `name=value` pair of a form body or query string, in order, each part decoded;
/// a part that is not UTF-8 once decoded (or badly escaped) is `None`.
pub fn form_pairs(body: &[u8]) -> Vec<(Option<String>, Option<String>)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            (decode(name), decode(value))
        })
        .collect()
}

/// Percent-decoding with `+` as a space; a `%` without two hex digits is refused.
fn decode(part: &[u8]) -> Option<String> {
    decode_with(part, false)
}

/// Percent-decoding with `+` as a space that keeps a `%` without two hex digits as it is, as
/// browsers do; `None` only when the result is not UTF-8.
pub fn decode_lenient(part: &str) -> Option<String> {
    decode_with(part.as_bytes(), true)
}

fn decode_with(part: &[u8], lenient: bool) -> Option<String> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        let escaped = match part.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(hi, lo)| hi << 4 | lo),
            _ => None,
        };
        match (escaped, part[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (None, b'%') if !lenient => return None,
            (None, b'+') => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_values_are_decoded() {
        let body = b"a=1&payload=%7B%22x%22%3A+%22%C3%A4%22%7D&payloads=no";
        assert_eq!(
            super::form_value(body, "payload").as_deref(),
            Some("{\"x\": \"\u{e4}\"}")
        );
        assert_eq!(super::form_value(body, "a").as_deref(), Some("1"));
        assert_eq!(super::form_value(body, "b"), None);
        assert_eq!(super::form_value(b"payload=%7", "payload"), None);
        assert_eq!(super::form_value(b"payload=%zz", "payload"), None);
        assert_eq!(super::form_value(b"payload=%C3", "payload"), None);
        assert_eq!(
            super::form_value(b"payload=", "payload").as_deref(),
            Some("")
        );
    }

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(super::encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(super::encode("a b&c=#/ä"), "a%20b%26c%3D%23%2F%C3%A4");
    }
}
