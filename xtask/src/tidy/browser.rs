//! Tidy's checks of what the browser gets: the language catalogue (every key in
//! every language, every activity kind with a text, every key a page or script
//! names exists) and the type check of the browser modules that declare
//! `// @ts-check`, by TypeScript's `tsc --checkJs` from the tests' Node.js
//! packages (`e2e/node_modules`).

use std::process::Command;

const STATIC: &str = "crates/assets/static/";
const TEMPLATES: &str = "crates/web/templates/";
const TSC: &str = "e2e/node_modules/typescript/bin/tsc";

/// The catalogue's own problems, and keys named in scripts (`t('area.key'`) or
/// templates (`s.get("area.key")`) that English lacks.
pub fn languages(files: &[String], problems: &mut Vec<String>) {
    problems.extend(i18n::problems().into_iter().map(|p| format!("crates/i18n/catalogue: {p}")));
    let english = i18n::catalogue(i18n::Lang::En);
    for file in files {
        let (open, close) = if file.starts_with(STATIC) && file.ends_with(".js") {
            ("t('", '\'')
        } else if file.starts_with(TEMPLATES) && file.ends_with(".html") {
            ("s.get(\"", '"')
        } else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        for key in named_keys(&text, open, close) {
            // `get` falls back to the key itself: that is how a key is missing.
            if english.get(key) == key {
                problems.push(format!("{file}: names the string `{key}`, which crates/i18n/catalogue/en.json lacks"));
            }
        }
    }
}

/// The literal keys after each `open` up to `close`, where they look like keys
/// (`area.key`, no spaces), so a call with a variable is passed over.
fn named_keys<'a>(text: &'a str, open: &str, close: char) -> Vec<&'a str> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(open) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + open.len()..];
        // `t(` as a word: not `set(` or `.get(` of something else.
        if open.starts_with('t') && before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let Some(end) = rest.find(close) else { break };
        let key = &rest[..end];
        if key.contains('.') && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            keys.push(key);
        }
    }
    keys
}

/// `tsc --checkJs --noEmit` over the modules that opt in with `// @ts-check`.
pub fn type_check(files: &[String], problems: &mut Vec<String>) {
    let checked: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with(STATIC) && f.ends_with(".js"))
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.starts_with("// @ts-check")))
        .collect();
    if !std::path::Path::new(TSC).exists() {
        problems.push(format!("{TSC} is missing: run `(cd e2e && npm ci)` (Node.js is for the tests only)"));
        return;
    }
    let out = Command::new("node")
        .arg(TSC)
        .args(["--noEmit", "--allowJs", "--checkJs", "--skipLibCheck", "--target", "es2022", "--module", "es2022"])
        .args(["--moduleResolution", "bundler", "--lib", "es2022,dom,dom.iterable"])
        .args(&checked)
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout);
            problems.extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("tsc: {l}")));
            if text.trim().is_empty() {
                problems.push(format!("tsc failed: {}", String::from_utf8_lossy(&o.stderr).trim()));
            }
        }
        Err(e) => problems.push(format!("cannot run node for tsc: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::named_keys;

    #[test]
    fn keys_are_found_as_calls_with_literals_only() {
        let js = "t('inbox.open'); set('a.b'); x.t('c.d'); t(label); t('plain'); t(`activity.${k}`)";
        assert_eq!(named_keys(js, "t('", '\''), ["inbox.open"]);
        let html = r#"{{ s.get("login.title") }} {{ s.get(key) }}"#;
        assert_eq!(named_keys(html, "s.get(\"", '"'), ["login.title"]);
    }
}
