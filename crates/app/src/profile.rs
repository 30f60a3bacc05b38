//! A user's own profile (A2) and availability (A3): names, message
//! signature, a new password (with the current one; the user's other
//! sessions end), and whether they take chats in an account now.

use domain::*;

use crate::access::AccessChange;
use crate::{tokens, App, AppError, Result};

/// What a user changes about themselves; `None` keeps it.
#[derive(Default)]
pub struct ProfilePatch {
    pub name: Option<String>,
    /// `Some("")` clears it: the name is shown instead.
    pub display_name: Option<String>,
    pub signature: Option<String>,
    /// A language code Parlor has (`en`, `de`), or `""` for the browser's.
    pub locale: Option<String>,
    pub password: Option<PasswordChange>,
}

pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirmation: Option<String>,
}

/// The longest message signature.
const MAX_SIGNATURE: usize = 1000;

/// A profile photo as uploaded: at most this many bytes and pixels a side.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
const MAX_PHOTO_SIDE: u32 = 4096;
/// The stored photo: a square PNG of this side.
const AVATAR_SIDE: u32 = 256;

fn photo_error(e: blobs::image::ImageError) -> AppError {
    use blobs::image::ImageError as E;
    match e {
        E::Unsupported => InvalidInput::new("invalid_image_type", "The photo must be a PNG, JPEG or WebP image."),
        E::TooLarge { .. } => InvalidInput::new("image_too_large", "The photo may be at most 4096×4096 pixels."),
        E::Corrupt => InvalidInput::new("invalid_image", "The photo could not be read."),
    }
    .into()
}

impl App {
    pub async fn user(&self, id: UserId) -> Result<UserSummary> {
        Ok(self.store().user(id).await?)
    }

    /// The message signature and the chosen language (`""`: the browser's).
    pub async fn profile_settings(&self, user: UserId) -> Result<(String, String)> {
        let extras = self.store().profile_extras(user).await?;
        Ok((extras.signature, extras.locale))
    }

    /// Applies a profile change. `session` is the cookie of the request's
    /// session, kept alive by a password change; every other session ends
    /// and its sockets close.
    pub async fn update_profile(&self, user: &UserSummary, patch: ProfilePatch, session: Option<&str>) -> Result<()> {
        let extras = self.store().profile_extras(user.id).await?;
        if let Some(change) = patch.password {
            if change.confirmation.as_deref().is_some_and(|c| c != change.new) {
                return Err(InvalidInput::new("password_mismatch", "The password confirmation differs.").into());
            }
            let new = NewPassword::parse(change.new)?;
            let ok = !extras.password_hash.is_empty()
                && change.current.len() <= 1024
                && self.verify_password(change.current, extras.password_hash.clone()).await?;
            if !ok {
                return Err(
                    InvalidInput::new("invalid_current_password", "The current password is not correct.").into()
                );
            }
            let hash = self.hash_password(&new).await?;
            let keep = session.map(tokens::hash);
            self.store().change_password(user.id, &hash, keep.as_deref()).await?;
            self.publish_access(AccessChange::SessionsEnded { user: user.id, keep }).await?;
        }
        let name = match patch.name {
            Some(n) => PersonName::parse(&n)?,
            None => PersonName::parse(&user.name)?,
        };
        let display = match patch.display_name {
            Some(d) if d.trim().is_empty() => None,
            Some(d) => Some(PersonName::parse(&d)?.as_str().to_owned()),
            None => user.display_name.clone(),
        };
        let signature = match patch.signature {
            Some(s) if s.chars().count() > MAX_SIGNATURE => {
                return Err(
                    InvalidInput::new("invalid_signature", "A signature may have at most 1000 characters.").into()
                )
            }
            Some(s) => s.trim().to_owned(),
            None => extras.signature,
        };
        let locale = match patch.locale {
            Some(l) if l.is_empty() => l,
            Some(l) => match i18n::Lang::ALL.into_iter().find(|lang| lang.code() == l) {
                Some(lang) => lang.code().to_owned(),
                None => {
                    return Err(InvalidInput::new(
                        "invalid_locale",
                        "The language must be en or de, or empty for the browser's.",
                    )
                    .into())
                }
            },
            None => extras.locale,
        };
        self.store().update_profile(user.id, &name, display.as_deref(), &signature, &locale).await?;
        Ok(())
    }

    /// A new profile photo: decoded within limits (off the async threads),
    /// re-encoded as a square PNG (no EXIF, nothing hidden), stored under a
    /// fresh key; the old photo is deleted.
    pub async fn set_avatar(&self, user: UserId, bytes: Vec<u8>) -> Result<()> {
        let key = self.store_photo(bytes).await?;
        let old = self.store().set_avatar_key(user, Some(key.as_str())).await?;
        self.forget_blob(old).await;
        Ok(())
    }

    /// A photo as uploaded (a profile's, an inbox's), decoded within limits,
    /// re-encoded as a square PNG and stored under a fresh key.
    pub(crate) async fn store_photo(&self, bytes: Vec<u8>) -> Result<blobs::Key> {
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(InvalidInput::new("file_too_large", "The photo may be at most 5 MB.").into());
        }
        let png = tokio::task::spawn_blocking(move || {
            blobs::image::decode(&bytes, MAX_PHOTO_SIDE).map(|img| blobs::image::square_png(&img, AVATAR_SIDE))
        })
        .await
        .map_err(|e| AppError::Internal(format!("photo decoding: {e}")))?
        .map_err(photo_error)?;
        let key = blobs::Key::new(blobs::Kind::Avatar, "png");
        self.blobs().put(&key, png.into(), MAX_PHOTO_BYTES).await.map_err(blob_error)?;
        Ok(key)
    }

    /// Removes the profile photo (initials show again).
    pub async fn delete_avatar(&self, user: UserId) -> Result<()> {
        let old = self.store().set_avatar_key(user, None).await?;
        self.forget_blob(old).await;
        Ok(())
    }

    /// A stored photo by its key, as its URL names it; `NotFound` for any
    /// other string.
    pub async fn avatar_bytes(&self, key: &str) -> Result<(Vec<u8>, &'static str)> {
        let key = blobs::Key::parse(key).ok_or(AppError::NotFound)?;
        let bytes = self.blobs().get(&key).await.map_err(blob_error)?;
        Ok((bytes.to_vec(), key.content_type()))
    }

    /// Deletes a replaced blob; a failure leaves an orphan, never an error.
    pub(crate) async fn forget_blob(&self, key: Option<String>) {
        if let Some(key) = key.as_deref().and_then(blobs::Key::parse) {
            if let Err(e) = self.blobs().delete(&key).await {
                tracing::warn!(error = %e, "an old photo stays in the blob store");
            }
        }
    }

    /// Sets the user's availability in one of their accounts (`NotFound`
    /// when they are not in it).
    pub async fn set_own_availability(&self, user: UserId, account: AccountId, a: Availability) -> Result<()> {
        self.store().set_availability(account, user, a).await?;
        // Back online: the waiting conversations of their inboxes may go to them.
        if a == Availability::Online {
            self.agent_arrived(account, user).await;
        }
        Ok(())
    }

    /// The user's availability in each account.
    pub async fn availabilities(&self, user: UserId) -> Result<Vec<(AccountId, Availability)>> {
        Ok(self.store().availabilities(user).await?)
    }
}

fn blob_error(e: blobs::BlobError) -> AppError {
    match e {
        blobs::BlobError::NotFound => AppError::NotFound,
        blobs::BlobError::TooLarge(_) => InvalidInput::new("file_too_large", "The file is too large.").into(),
        blobs::BlobError::Store(m) => AppError::Unavailable(m),
    }
}
