//! Inboxes: the account's website channels, as agents list them, as an
//! administrator edits them, and as a website's widget finds its own by token.

use domain::*;

use crate::auth::AgentCtx;
use crate::{tokens, App, AppError, Result};

impl App {
    /// The inboxes the agent may see.
    pub async fn inboxes(&self, agent: &AgentCtx) -> Result<Vec<Inbox>> {
        let all = self.store().inboxes(agent.account_id).await?;
        Ok(all.into_iter().filter(|i| agent.may_see(i.id)).collect())
    }

    pub async fn inbox(&self, agent: &AgentCtx, id: InboxId) -> Result<Inbox> {
        if !agent.may_see(id) {
            return Err(AppError::NotFound);
        }
        Ok(self.store().inbox(agent.account_id, id).await?)
    }

    /// Saves an inbox's settings (administrators): the fields the patch
    /// names, each parsed; then every process forgets its copy, so widgets
    /// read the new settings at their next page load or reconnect.
    pub async fn update_inbox(&self, admin: &AgentCtx, id: InboxId, patch: InboxPatch) -> Result<Inbox> {
        let old = self.editable_inbox(admin, id).await?;
        let name = match patch.name {
            Some(n) => PersonName::parse(&n)?.as_str().to_owned(),
            None => old.name.clone(),
        };
        let color = HexColor::parse(patch.widget_color.as_deref().unwrap_or(&old.widget_color))?;
        let url = match patch.website_url {
            Some(u) => website_url(&u)?,
            None => old.website_url.clone(),
        };
        let text = |value: Option<String>, old: &str, field: &'static str, max: usize| match value {
            Some(v) => setting_text(&v, field, max),
            None => Ok(old.to_owned()),
        };
        let welcome_title = text(patch.welcome_title, &old.welcome_title, "welcome_title", 120)?;
        let welcome_tagline = text(patch.welcome_tagline, &old.welcome_tagline, "welcome_tagline", 255)?;
        let greeting_message = text(patch.greeting_message, &old.greeting_message, "greeting_message", 1000)?;
        let timezone = match patch.timezone {
            Some(tz) => time_zone(&tz)?,
            None => old.timezone.clone(),
        };
        let reply_time = match patch.reply_time {
            Some(r) if REPLY_TIMES.contains(&r.as_str()) => r,
            Some(_) => {
                return Err(InvalidInput::new(
                    "invalid_reply_time",
                    "reply_time must be in_a_few_minutes, in_a_few_hours or in_a_day.",
                )
                .into())
            }
            None => old.reply_time.clone(),
        };
        let allowed_domains = match patch.allowed_domains {
            Some(d) => domain_list(&d)?,
            None => old.allowed_domains.clone(),
        };
        let max_assignment_limit = match patch.max_assignment_limit {
            Some(Some(n)) if !(1..=1000).contains(&n) => {
                return Err(invalid(
                    "invalid_max_assignment_limit",
                    "max_assignment_limit must be between 1 and 1000, or null for none.".into(),
                ))
            }
            Some(limit) => limit,
            None => old.max_assignment_limit,
        };
        let assignment_order = match patch.assignment_order {
            Some(o) => AssignmentOrder::parse(&o)?,
            None => old.assignment_order,
        };
        let settings = store::InboxSettings {
            name: &name,
            website_url: &url,
            widget_color: &color,
            welcome_title: &welcome_title,
            welcome_tagline: &welcome_tagline,
            greeting_enabled: patch.greeting_enabled.unwrap_or(old.greeting_enabled),
            greeting_message: &greeting_message,
            timezone: &timezone,
            lock_to_single_conversation: patch.lock_to_single_conversation.unwrap_or(old.lock_to_single_conversation),
            allowed_domains: &allowed_domains,
            reply_time: &reply_time,
            only_assignee_replies: patch.only_assignee_replies.unwrap_or(old.only_assignee_replies),
            enable_auto_assignment: patch.enable_auto_assignment.unwrap_or(old.enable_auto_assignment),
            max_assignment_limit,
            assignment_order,
        };
        let inbox = self.store().update_inbox(admin.account_id, id, &settings).await?;
        self.inbox_changed(&inbox).await;
        Ok(inbox)
    }

    /// The inbox, if this user may change it: one they cannot see does not
    /// exist for them (404 before 403).
    async fn editable_inbox(&self, admin: &AgentCtx, id: InboxId) -> Result<Inbox> {
        let inbox = self.inbox(admin, id).await?;
        if admin.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only administrators change an inbox's settings." });
        }
        Ok(inbox)
    }

    /// Every other process forgets its copy (this one's store did already).
    async fn inbox_changed(&self, inbox: &Inbox) {
        if let Some(bus) = self.bus() {
            bus.send_inbox_changed(inbox.account_id, &inbox.website_token).await;
        }
    }

    /// A new picture for the inbox (a photo's limits and re-encoding), or with
    /// `None` none (the widget shows its chat mark again).
    pub async fn set_inbox_avatar(&self, admin: &AgentCtx, id: InboxId, bytes: Option<Vec<u8>>) -> Result<Inbox> {
        self.editable_inbox(admin, id).await?;
        let key = match bytes {
            Some(b) => Some(self.store_photo(b).await?),
            None => None,
        };
        let (inbox, old) =
            self.store().set_inbox_avatar_key(admin.account_id, id, key.as_ref().map(|k| k.as_str())).await?;
        self.forget_blob(old).await;
        self.inbox_changed(&inbox).await;
        Ok(inbox)
    }

    /// The inbox a website token names (the widget, the Client API).
    pub async fn public_inbox(&self, website_token: &str) -> Result<Inbox> {
        Ok(self.store().inbox_by_token(website_token).await?)
    }

    /// The first account's first inbox, for the demo page; `None` before the
    /// first run made one.
    pub async fn demo_inbox(&self) -> Result<Option<Inbox>> {
        Ok(self.store().inboxes(AccountId(1)).await?.into_iter().next())
    }

    /// Creates a website inbox (administrators only).
    pub async fn create_inbox(&self, agent: &AgentCtx, name: &PersonName, color: &HexColor) -> Result<Inbox> {
        if agent.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only administrators can create inboxes." });
        }
        self.new_inbox(agent.account_id, name.as_str(), color).await
    }

    /// A website inbox in `account_id` with a fresh website token, every user
    /// of the account a member.
    pub(crate) async fn new_inbox(&self, account_id: AccountId, name: &str, color: &HexColor) -> Result<Inbox> {
        let token = tokens::generate_short();
        let new = store::NewInbox {
            account_id,
            name,
            website_token: &token,
            website_url: "",
            widget_color: color,
            welcome_title: "",
            welcome_tagline: "",
        };
        Ok(self.store().create_inbox(new, self.now()).await?)
    }
}

/// What an administrator changes about an inbox; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct InboxPatch {
    pub name: Option<String>,
    pub website_url: Option<String>,
    pub widget_color: Option<String>,
    pub welcome_title: Option<String>,
    pub welcome_tagline: Option<String>,
    pub greeting_enabled: Option<bool>,
    pub greeting_message: Option<String>,
    pub timezone: Option<String>,
    pub lock_to_single_conversation: Option<bool>,
    pub allowed_domains: Option<String>,
    pub reply_time: Option<String>,
    pub only_assignee_replies: Option<bool>,
    pub enable_auto_assignment: Option<bool>,
    /// `Some(None)`: no limit.
    pub max_assignment_limit: Option<Option<i64>>,
    pub assignment_order: Option<String>,
}

/// Chatwoot's reply-time words, which the widget turns into a sentence.
pub const REPLY_TIMES: &[&str] = &["in_a_few_minutes", "in_a_few_hours", "in_a_day"];

fn invalid(code: &'static str, message: String) -> AppError {
    InvalidInput::new(code, message).into()
}

/// A setting's text: trimmed, at most `max` characters, no control characters
/// but line breaks (a greeting may have paragraphs).
fn setting_text(value: &str, field: &'static str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(invalid("invalid_setting", format!("{field} is longer than {max} characters.")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("invalid_setting", format!("{field} contains a control character.")));
    }
    Ok(v.to_owned())
}

/// The website's address: empty, or an http(s) URL.
fn website_url(value: &str) -> Result<String> {
    let v = value.trim();
    let ok = v.is_empty()
        || ((v.starts_with("https://") || v.starts_with("http://"))
            && v.len() <= 2048
            && !v.chars().any(|c| c.is_whitespace() || c.is_control()));
    match ok {
        true => Ok(v.to_owned()),
        false => Err(invalid("invalid_website_url", "website_url must be an http:// or https:// address.".into())),
    }
}

/// An IANA zone name's shape (`Europe/Berlin`, `UTC`, `America/Argentina/Salta`).
fn time_zone(value: &str) -> Result<String> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.split('/').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        });
    match ok {
        true => Ok(v.to_owned()),
        false => Err(invalid("invalid_timezone", "timezone must be a time zone name such as Europe/Berlin.".into())),
    }
}

/// The sites that may embed the widget: host names (a leading `*.` for every
/// subdomain, an optional `:port`), separated by commas, spaces or lines;
/// stored lower-case, comma-separated, as Chatwoot stores them.
pub fn domain_list(value: &str) -> Result<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in value.split(|c: char| c == ',' || c.is_whitespace()).filter(|e| !e.is_empty()) {
        let host = entry.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
        let host = host.to_ascii_lowercase();
        let (name, port) = host.split_once(':').unwrap_or((&host, ""));
        let bare = name.strip_prefix("*.").unwrap_or(name);
        let label_ok =
            |l: &str| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let ok = !bare.is_empty()
            && bare.len() <= 253
            && bare.split('.').all(label_ok)
            && (port.is_empty() || port.parse::<u16>().is_ok());
        if !ok {
            return Err(invalid("invalid_allowed_domains", format!("{entry} is not a domain such as example.com.")));
        }
        if !out.contains(&host) {
            out.push(host);
        }
    }
    if out.len() > 50 {
        return Err(invalid("invalid_allowed_domains", "At most 50 domains can be allowed.".into()));
    }
    Ok(out.join(","))
}

/// Whether a request's `Origin` (`https://shop.example.com:8443`) names a site
/// on the list; an empty list allows every site.
pub fn origin_allowed(allowed_domains: &str, origin: &str) -> bool {
    if allowed_domains.is_empty() {
        return true;
    }
    let host = origin.split_once("://").map_or(origin, |(_, rest)| rest).trim_end_matches('/').to_ascii_lowercase();
    let bare_host = host.split_once(':').map_or(host.as_str(), |(h, _)| h);
    allowed_domains.split(',').any(|entry| {
        let (pattern, port) = entry.split_once(':').map_or((entry, None), |(h, p)| (h, Some(p)));
        let candidate = if port.is_some() { host.as_str() } else { bare_host };
        let pattern_full = match port {
            Some(p) => format!("{pattern}:{p}"),
            None => pattern.to_owned(),
        };
        match pattern_full.strip_prefix("*.") {
            Some(suffix) => candidate.ends_with(&format!(".{suffix}")) || candidate == suffix,
            None => candidate == pattern_full,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_checked() {
        assert_eq!(
            domain_list("Shop.Example.com, https://*.example.org/\nlocalhost:8080").unwrap(),
            "shop.example.com,*.example.org,localhost:8080"
        );
        assert_eq!(domain_list("").unwrap(), "");
        for bad in ["exa_mple.com", "javascript:alert(1)", "a..b", "example.com:99999", "<script>"] {
            assert!(domain_list(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn origins_match_the_list() {
        let list = domain_list("shop.example.com, *.example.org, localhost:8080").unwrap();
        assert!(origin_allowed(&list, "https://shop.example.com"));
        assert!(origin_allowed(&list, "https://shop.example.com:8443"));
        assert!(origin_allowed(&list, "https://a.b.example.org"));
        assert!(origin_allowed(&list, "https://example.org"));
        assert!(origin_allowed(&list, "http://localhost:8080"));
        assert!(!origin_allowed(&list, "http://localhost:9090"));
        assert!(!origin_allowed(&list, "https://evil.com"));
        assert!(!origin_allowed(&list, "https://shop.example.com.evil.com"));
        assert!(!origin_allowed(&list, "https://notexample.org"));
        assert!(origin_allowed("", "https://anything.test"));
    }

    #[test]
    fn zones_and_urls() {
        assert!(time_zone("Europe/Berlin").is_ok());
        assert!(time_zone("America/Argentina/Salta").is_ok());
        assert!(time_zone("Etc/GMT+2").is_ok());
        assert!(time_zone("../etc").is_err());
        assert!(time_zone("").is_err());
        assert!(website_url("https://shop.example.com/").is_ok());
        assert!(website_url("").is_ok());
        assert!(website_url("javascript:alert(1)").is_err());
    }
}
