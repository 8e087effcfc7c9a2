//! Text for one-line reasons: error messages shown in logs, replies and Slack.

/// `text` with every run of whitespace (line breaks included) turned into one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn whitespace_runs_become_one_space() {
        assert_eq!(super::one_line(" a\n\tb  c \r\n"), "a b c");
    }
}
