//! Words for messages: a count with its noun in the right number ("1 link", "2 links"), and
//! text from another repository cut to a length a message can show.

/// `n` and `noun`, plural unless `n` is 1: `count(1, "file")` is "1 file", `count(0, "file")`
/// "0 files". Nouns here take an `s`.
pub fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// "is" or "are", for `n` things.
pub fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

/// A path or URI as a message shows it: at most 160 characters, the rest cut with `…` (a hostile
/// target can make one megabytes long).
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

/// Parts of a message listed at most: the rest are counted ("; and 3 more"). A target object
/// can list dozens of artifacts; a finding names a few.
pub const MAX_LISTED: usize = 4;

/// The first [`MAX_LISTED`] of `parts`, joined with `; `, then how many more there are.
pub fn listed(parts: &[String]) -> String {
    let shown = parts[..parts.len().min(MAX_LISTED)].join("; ");
    match parts.len().saturating_sub(MAX_LISTED) {
        0 => shown,
        more => format!("{shown}; and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_every_other_count_plural() {
        assert_eq!(count(1, "link"), "1 link");
        assert_eq!(count(0, "link"), "0 links");
        assert_eq!(count(2, "warning"), "2 warnings");
        assert_eq!(is_are(1), "is");
        assert_eq!(is_are(3), "are");
    }
}
