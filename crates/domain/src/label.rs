//! Labels (Chatwoot's): an account's coloured tags for conversations and
//! contacts, named by a title that is its key in the API.

use crate::{AccountId, HexColor, InvalidInput, LabelId};

/// Chatwoot's label colour when none is given.
pub const DEFAULT_LABEL_COLOR: &str = "#1f93ff";

/// A label's title as Chatwoot keeps it: lower-case letters, digits, `_` and
/// `-`, 1–64 characters (no spaces: it is a key in paths, filters and lists).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelTitle(String);

impl LabelTitle {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let s = s.trim().to_lowercase();
        if s.is_empty() || s.chars().count() > 64 {
            return Err(InvalidInput::new("invalid_label_title", "A label's title has 1 to 64 characters."));
        }
        if !s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return Err(InvalidInput::new(
                "invalid_label_title",
                "A label's title has letters, digits, '_' and '-' only (no spaces).",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: LabelId,
    pub account_id: AccountId,
    pub title: String,
    pub description: String,
    pub color: String,
    pub show_on_sidebar: bool,
}

/// A new label, or the fields an edit changes (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct LabelPatch {
    pub title: Option<LabelTitle>,
    pub description: Option<String>,
    pub color: Option<HexColor>,
    pub show_on_sidebar: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_keys() {
        assert_eq!(LabelTitle::parse(" Billing-EU ").unwrap().as_str(), "billing-eu");
        assert_eq!(LabelTitle::parse("vip_2").unwrap().as_str(), "vip_2");
        assert_eq!(LabelTitle::parse("rückruf").unwrap().as_str(), "rückruf");
        for bad in ["", "two words", "a,b", "x".repeat(65).as_str(), "<b>"] {
            assert_eq!(LabelTitle::parse(bad).unwrap_err().code, "invalid_label_title", "{bad:?}");
        }
    }
}
