//! The files under `static/` (the widget, the inbox, shared modules, styles),
//! embedded at build time with gzip and brotli copies (build.rs). This crate
//! knows nothing of HTTP: `web` serves what the binary hands it.

/// One embedded file.
pub struct File {
    /// Relative to `static/`, with `/`.
    pub path: &'static str,
    pub raw: &'static [u8],
    /// Present where compressing saved bytes.
    pub gzip: Option<&'static [u8]>,
    pub br: Option<&'static [u8]>,
    /// SHA-256 of `raw`, base64: a CSP hash source when the file is inlined, and the ETag.
    pub sha256: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/static_files.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_file_has_a_smaller_compressed_copy() {
        for name in ["widget.js", "widget/frame.js", "shared/lib.js", "widget/widget.css", "inbox/main.js"] {
            let a = FILES.iter().find(|f| f.path == name).unwrap_or_else(|| panic!("{name} embedded"));
            assert!(a.gzip.is_some_and(|z| z.len() < a.raw.len()), "{name}");
            assert!(a.br.is_some_and(|b| b.len() < a.raw.len()), "{name}");
        }
    }

    #[test]
    fn the_version_changes_with_the_files() {
        // Twelve hex digits of a hash over every path and content (build.rs).
        assert_eq!(VERSION.len(), 12);
        assert!(VERSION.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
