//! The GitHub token: a secret that is never printed or logged, and goes only into the
//! Authorization header of the configured API (see [`super::endpoint`]).

use std::fmt;

/// A value that cannot be a token; says what is wrong with it, never what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the token contains {0}: a token is visible ASCII (it goes in an HTTP header); set the variable to the token alone"
)]
pub struct TokenError(&'static str);

/// A GitHub token: never printed, never logged (its `Debug` hides it).
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token; empty strings are no token. A token that cannot go in an HTTP header (a
    /// control character, a space, anything but visible ASCII) is refused: the error says why
    /// without showing it.
    pub fn new(token: String) -> Result<Option<Token>, TokenError> {
        let token = token.trim();
        if let Some(bad) = token.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(TokenError(match bad {
                '\n' | '\r' => "a line break",
                c if c.is_control() => "a control character",
                c if c.is_whitespace() => "a space",
                _ => "a character that is not ASCII",
            }));
        }
        Ok((!token.is_empty()).then(|| Token(token.to_owned())))
    }

    /// The secret itself, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::Config;

    #[test]
    fn tokens_that_cannot_be_a_header_are_refused_without_being_shown() {
        assert!(Token::new(" ghp_abc \n".into()).unwrap().is_some());
        assert!(Token::new("  ".into()).unwrap().is_none());
        for bad in ["ghp_a\nb", "ghp_a\rb", "ghp_a b", "ghp_\u{7f}", "ghp_é"] {
            let why = Token::new(bad.into()).unwrap_err();
            assert!(!why.to_string().contains("ghp_"), "{why}");
        }
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = Token::new("ghp_secret".into()).unwrap().unwrap();
        let config = Config::github_com(Some(token));
        assert!(!format!("{config:?}").contains("ghp_secret"));
        assert!(Token::new("  ".into()).unwrap().is_none());
    }
}
