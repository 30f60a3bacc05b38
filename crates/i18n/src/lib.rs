//! The language catalogue: one file per language (`catalogue/<lang>.json`, flat
//! `"area.key": "text"`) with every string the server renders and the browser
//! shows. Pages and the widget frame read it here; the inbox and the widget get
//! their language's part as a JSON data block (`subset`), so the server's text
//! and the browser's are the same text. Placeholders are `{name}`, filled the
//! same way on both sides.
//!
//! Keys by area: `activity.*` (one per `domain::ActivityKind`), `error.*` (the
//! API error codes the browser handles; the API's own messages stay English),
//! `inbox.*`, `login.*`, `page.*` (error pages), `widget.*`. [`problems`] lists what is missing or
//! inconsistent; a unit test and `cargo xtask tidy` fail on any.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use domain::ActivityKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The BCP 47 primary tag, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// `de`, `de-AT`, `DE` … → German; other tags are not ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default().trim().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../catalogue/en.json"),
            Lang::De => include_str!("../catalogue/de.json"),
        }
    }
}

/// One language's strings.
#[derive(Debug)]
pub struct Catalogue {
    lang: Lang,
    strings: BTreeMap<String, String>,
    /// Why the file did not parse, if it did not (reported by [`problems`]).
    error: Option<String>,
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| Lang::ALL.into_iter().map(Catalogue::load).collect());

/// The catalogue of `lang`.
pub fn catalogue(lang: Lang) -> &'static Catalogue {
    let i = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    &CATALOGUES[i]
}

impl Catalogue {
    fn load(lang: Lang) -> Catalogue {
        match serde_json::from_str::<BTreeMap<String, String>>(lang.source()) {
            Ok(strings) => Catalogue { lang, strings, error: None },
            Err(e) => Catalogue { lang, strings: BTreeMap::new(), error: Some(e.to_string()) },
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The text of `key`; English where this language lacks it, the key itself
    /// where English does too (tests keep both from happening).
    pub fn get<'a>(&'static self, key: &'a str) -> &'a str {
        if let Some(s) = self.strings.get(key) {
            return s;
        }
        catalogue(Lang::En).strings.get(key).map_or(key, String::as_str)
    }

    /// The text of `key` with its `{placeholders}` filled; an unknown
    /// placeholder becomes empty, as in the browser.
    pub fn fill(&'static self, key: &str, vars: &[(&str, &str)]) -> String {
        fill(self.get(key), vars)
    }

    /// The text of an activity line.
    pub fn activity(&'static self, kind: ActivityKind, vars: &[(&str, &str)]) -> String {
        self.fill(&kind.key(), vars)
    }

    /// The strings under the given key prefixes (`"widget."` …), for a page's
    /// JSON data block: a page ships only its own language's part it uses.
    pub fn subset(&self, prefixes: &[&str]) -> BTreeMap<&str, &str> {
        self.strings
            .iter()
            .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// Replaces `{name}` by its value; `{` without a closing `}` stays as it is.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let name = &after[..close];
                out.push_str(vars.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                found.insert(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    found
}

/// Everything wrong with the catalogues: a file that does not parse, a key one
/// language has and another lacks, an empty text, placeholders that differ
/// between languages, an activity kind without a text.
pub fn problems() -> Vec<String> {
    let mut out = Vec::new();
    let en = catalogue(Lang::En);
    for lang in Lang::ALL {
        let c = catalogue(lang);
        if let Some(e) = &c.error {
            out.push(format!("catalogue/{}.json does not parse: {e}", lang.code()));
        }
        for (key, text) in &c.strings {
            if text.trim().is_empty() {
                out.push(format!("{}: {key} is empty", lang.code()));
            }
            match en.strings.get(key) {
                None => out.push(format!("{}: {key} is not in en", lang.code())),
                Some(english) if placeholders(english) != placeholders(text) => {
                    out.push(format!("{}: {key} has other placeholders than en", lang.code()))
                }
                Some(_) => {}
            }
        }
        for key in en.strings.keys() {
            if !c.strings.contains_key(key) {
                out.push(format!("{}: {key} is missing", lang.code()));
            }
        }
        for kind in ActivityKind::ALL {
            if !c.strings.contains_key(&kind.key()) {
                out.push(format!("{}: activity kind {kind:?} has no text ({})", lang.code(), kind.key()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_are_complete_and_agree() {
        let problems = problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn filling_replaces_known_placeholders_only() {
        assert_eq!(fill("{actor} took {it}", &[("actor", "Ben")]), "Ben took ");
        assert_eq!(fill("a { b } {x", &[("x", "1")]), "a { b } {x");
        assert_eq!(fill("ü{n}ü", &[("n", "3")]), "ü3ü");
    }

    #[test]
    fn languages_differ_and_fall_back_to_english() {
        let (en, de) = (catalogue(Lang::En), catalogue(Lang::De));
        assert_eq!(en.get("login.title"), "Sign in");
        assert_eq!(de.get("login.title"), "Anmelden");
        assert_eq!(de.get("no.such.key"), "no.such.key");
        assert_eq!(
            de.activity(ActivityKind::Assigned, &[("actor", "Anna"), ("assignee", "Ben")]),
            "Anna hat die Unterhaltung Ben zugewiesen"
        );
        assert_eq!(Lang::from_tag("de-AT"), Some(Lang::De));
        assert_eq!(Lang::from_tag("fr"), None);
    }

    #[test]
    fn a_subset_holds_only_its_areas() {
        let part = catalogue(Lang::En).subset(&["widget.", "activity."]);
        assert!(part.contains_key("widget.send") && part.contains_key("activity.resolved"));
        assert!(part.keys().all(|k| k.starts_with("widget.") || k.starts_with("activity.")));
    }
}
