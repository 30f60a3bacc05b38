//! The page a browser gets for an error outside the API (an unknown address, a
//! method or form a page does not take): in the reader's language, with a way
//! back, never a bare status or a JSON body.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use i18n::Catalogue;

use super::{language, page, APP_CSP};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    s: &'static Catalogue,
    status: u16,
    title: &'static str,
    hint: &'static str,
}

/// An HTML page for `status`, in the language the request's headers prefer.
pub(crate) fn error_page(status: StatusCode, headers: &HeaderMap) -> Response {
    let lang = language(headers, None);
    let s = i18n::catalogue(lang);
    let (title, hint) = if status == StatusCode::NOT_FOUND {
        (s.get("page.notFound"), s.get("page.notFoundHint"))
    } else {
        (s.get("page.error"), s.get("page.errorHint"))
    };
    let mut res = page(ErrorPage { lang: lang.code(), s, status: status.as_u16(), title, hint }.render(), APP_CSP);
    *res.status_mut() = status;
    res
}
