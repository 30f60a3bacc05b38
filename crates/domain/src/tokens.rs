//! The shapes of the public identifiers clients put in URLs, parsed at the edge
//! so nothing else (a NUL byte, a control character, a path) reaches a query:
//! an unparsable one is simply not found.

use serde::Deserialize;

fn lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An inbox's website token (the widget's `data-website-token`, the Client
/// API's `inbox_identifier`): 128 random bits as 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct WebsiteToken(String);

/// A visitor's secret contact identifier (the Client API's
/// `contact_identifier`, Chatwoot's `source_id`): 256 random bits as 64
/// lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ContactIdentifier(String);

/// Not the shape of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a token")]
pub struct NotAToken;

macro_rules! hex_token {
    ($name:ident, $len:expr) => {
        impl $name {
            pub fn parse(s: &str) -> Result<$name, NotAToken> {
                Self::try_from(s.to_owned())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NotAToken;

            fn try_from(s: String) -> Result<$name, NotAToken> {
                if lower_hex(&s, $len) {
                    Ok($name(s))
                } else {
                    Err(NotAToken)
                }
            }
        }
    };
}

hex_token!(WebsiteToken, 32);
hex_token!(ContactIdentifier, 64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lowercase_hex_of_their_length() {
        let website = "0123456789abcdef0123456789abcdef";
        assert_eq!(WebsiteToken::parse(website).map(|t| t.as_str().to_owned()), Ok(website.to_owned()));
        for bad in ["", "nope", "\0", &website.to_uppercase(), &format!("{website}0"), &website[1..], "../x"] {
            assert_eq!(WebsiteToken::parse(bad), Err(NotAToken), "{bad:?}");
        }
        let contact = website.repeat(2);
        assert!(ContactIdentifier::parse(&contact).is_ok());
        assert_eq!(ContactIdentifier::parse(website), Err(NotAToken));
        assert_eq!(ContactIdentifier::parse(&format!("{}\0", &contact[1..])), Err(NotAToken));
    }
}
