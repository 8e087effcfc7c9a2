//! Label sets as the store holds them: `(name, value)` pairs in the order Alertmanager sent.

/// The value of the first label (or annotation) called `name`.
pub fn value<'a>(set: &'a [(String, String)], name: &str) -> Option<&'a str> {
    set.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_label_of_a_name_counts() {
        let set = [("a", "1"), ("b", "2"), ("a", "3")].map(|(k, v)| (k.into(), v.into()));
        assert_eq!(super::value(&set, "a"), Some("1"));
        assert_eq!(super::value(&set, "c"), None);
    }
}
