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

/// An I/O failure on a path: the path and what the OS said, on one line. The OS error is part of
/// the message, not a separate cause, so a chain of causes never says it twice.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {error}")]
pub struct PathError {
    /// The file or folder.
    pub path: String,
    /// What the OS said.
    pub error: std::io::Error,
}

impl PathError {
    /// The error at `path`, for `map_err`.
    pub fn at(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PathError + '_ {
        move |error| PathError {
            path: path.display().to_string(),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_error_says_the_os_error_once() {
        let error = PathError::at(std::path::Path::new("a/b"))(std::io::ErrorKind::NotFound.into());
        let chained = anyhow::Error::from(error);
        let text = format!("{chained:#}");
        assert!(text.starts_with("a/b: "), "{text}");
        assert_eq!(text.matches("not found").count(), 1, "{text}");
    }
}
