//! The first run: an account with a website inbox and its first administrator.

use domain::*;

use crate::{tokens, App, Result};

pub struct FirstRun {
    pub account_id: AccountId,
    pub inbox: Inbox,
    /// Present only when this run created the administrator.
    pub admin: Option<(String, String)>,
}

pub const ADMIN_EMAIL: &str = "admin@parlor.localhost";

impl App {
    /// Makes sure account 1 exists with a website inbox. On a fresh database it
    /// also creates the first administrator and returns its generated password.
    pub async fn ensure_first_run(&self) -> Result<FirstRun> {
        self.first_run(true).await
    }

    /// The same without the administrator (for `parlor admin create-user` on a
    /// fresh data folder: the user it creates is the first one).
    pub async fn ensure_first_run_without_admin(&self) -> Result<FirstRun> {
        self.first_run(false).await
    }

    async fn first_run(&self, with_admin: bool) -> Result<FirstRun> {
        let (account_id, _) = self.store().ensure_first_account("My Company", self.now()).await?;
        let inbox = match self.store().inboxes(account_id).await?.into_iter().next() {
            Some(inbox) => inbox,
            None => self.new_inbox(account_id, "Website", &HexColor::parse("#1f6feb")?).await?,
        };
        let mut admin = None;
        if with_admin && self.store().account_user_ids(account_id).await?.is_empty() {
            let password = tokens::generate_password();
            let email = EmailAddress::parse(ADMIN_EMAIL)?;
            let name = PersonName::parse("Administrator")?;
            self.create_user(account_id, &email, &name, &NewPassword::parse(password.clone())?, Role::Administrator)
                .await?;
            admin = Some((ADMIN_EMAIL.to_owned(), password));
        }
        Ok(FirstRun { account_id, inbox, admin })
    }
}
