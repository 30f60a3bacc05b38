//! Parsed text values: each type can only hold input that passed its rules.

use thiserror::Error;

/// Why a piece of input text was refused. The `code` is stable API.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct InvalidInput {
    pub code: &'static str,
    pub message: String,
}

impl InvalidInput {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// Chatwoot's limit on one message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 150_000;

/// The text of a chat message: not blank, at most [`MAX_MESSAGE_CHARS`]
/// characters, stored exactly as sent (escaping happens where it is rendered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(s: String) -> Result<Self, InvalidInput> {
        if s.trim().is_empty() {
            return Err(InvalidInput::new("empty_message", "The message is empty."));
        }
        // Count characters, not bytes: the limit is a promise to writers of any script.
        if s.chars().count() > MAX_MESSAGE_CHARS {
            return Err(InvalidInput::new(
                "message_too_long",
                format!("A message may have at most {MAX_MESSAGE_CHARS} characters."),
            ));
        }
        if s.contains('\0') {
            return Err(InvalidInput::new("invalid_message", "The message contains a NUL character."));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A client-chosen message id (`echo_id`): a resend with the same one is stored once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EchoId(String);

impl EchoId {
    pub fn parse(s: String) -> Result<Self, InvalidInput> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if ok {
            Ok(Self(s))
        } else {
            Err(InvalidInput::new(
                "invalid_echo_id",
                "echo_id must be 1 to 100 characters of letters, digits, '-', '_', '.' or ':'.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as shown to others: 1–255 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidInput::new("invalid_name", "The name is empty."));
        }
        if s.chars().count() > 255 {
            return Err(InvalidInput::new("invalid_name", "The name is longer than 255 characters."));
        }
        if s.chars().any(char::is_control) {
            return Err(InvalidInput::new("invalid_name", "The name contains control characters."));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed and lower-cased. Deliberately simple: one `@`, a dot
/// in the domain, no spaces or control characters, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let s = s.trim().to_lowercase();
        let bad = || InvalidInput::new("invalid_email", "That is not a valid email address.");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 8 to 1024 characters (the upper bound keeps hashing cheap to refuse).
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(s: String) -> Result<Self, InvalidInput> {
        let n = s.chars().count();
        if n < 8 {
            return Err(InvalidInput::new("weak_password", "A password needs at least 8 characters."));
        }
        if n > 1024 {
            return Err(InvalidInput::new("invalid_password", "A password may have at most 1024 characters."));
        }
        Ok(Self(s))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// A widget accent colour: `#rgb` or `#rrggbb`. Safe to place in CSS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexColor(String);

impl HexColor {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let ok = s.starts_with('#') && matches!(s.len(), 4 | 7) && s[1..].chars().all(|c| c.is_ascii_hexdigit());
        if ok {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(InvalidInput::new("invalid_color", "A colour looks like #1f93ff."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_body_limits() {
        assert_eq!(MessageBody::parse("  \n".into()).unwrap_err().code, "empty_message");
        assert!(MessageBody::parse("ä".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(MessageBody::parse("a".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err().code, "message_too_long");
        assert_eq!(MessageBody::parse(" <b>x</b> ".into()).unwrap().as_str(), " <b>x</b> ");
    }

    #[test]
    fn emails() {
        assert_eq!(EmailAddress::parse(" Anna@Example.COM ").unwrap().as_str(), "anna@example.com");
        for bad in ["", "a", "a@b", "@b.c", "a@b.c\r\nBcc: x", "a b@c.d", "a@@b.c"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_refuse_control_characters() {
        assert!(PersonName::parse("Anna\nBcc: x").is_err());
        assert_eq!(PersonName::parse(" Anna ").unwrap().as_str(), "Anna");
    }

    #[test]
    fn echo_ids_and_colors() {
        assert!(EchoId::parse("3f2b-11".into()).is_ok());
        assert!(EchoId::parse("a b".into()).is_err());
        assert!(HexColor::parse("#1F93ff").is_ok());
        assert!(HexColor::parse("red;}").is_err());
    }
}
