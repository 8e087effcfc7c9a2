//! Percent-encoding for URL query values and form bodies.

/// Encodes everything but RFC 3986's unreserved characters (so a space is `%20`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
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

/// Percent-decoding with `+` as a space.
fn decode(part: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(part.len());
    let mut bytes = part.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = [*bytes.next()?, *bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).ok()
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
