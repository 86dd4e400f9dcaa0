//! Errors as text for messages: what the user reads when a library error ends in a finding
//! or a warning.

/// An error and its causes on one line: the outer message alone ("handshake failed", "client
/// error") often hides what went wrong (the HTTP status, the DNS failure).
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
